// PUSH_REPLY parsing and chunked building (openvpn-wire.md §8.1, §8.2; push.c,
// options.c: apply_push_options).
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/openvpn/push_reply.hpp"

using vpn::ovpn::build_push_reply;
using vpn::ovpn::parse_push_reply;
using Words = std::vector<std::string>;

TEST_CASE("the PUSH_REPLY a stock 2.6 server sent (cap_udp_tlscrypt)") {
    const auto r = parse_push_reply(
        "PUSH_REPLY,route-gateway 10.99.0.1,topology subnet,ping 10,ping-restart 60,ifconfig 10.99.0.2 "
        "255.255.255.0,peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500");
    REQUIRE(r.ok);
    CHECK(r.reply.continuation == 0);
    REQUIRE(r.reply.options.size() == 9);
    CHECK(r.reply.options[0] == Words{"route-gateway", "10.99.0.1"});
    CHECK(r.reply.options[4] == Words{"ifconfig", "10.99.0.2", "255.255.255.0"});
    CHECK(r.reply.options[7] == Words{"protocol-flags", "cc-exit", "tls-ekm", "dyn-tls-crypt"});
    CHECK(r.reply.options[8] == Words{"tun-mtu", "1500"});
}

TEST_CASE("PUSH_REPLY framing") {
    auto r = parse_push_reply("PUSH_REPLY");
    REQUIRE(r.ok);
    CHECK(r.reply.options.empty());
    r = parse_push_reply("PUSH_REPLY,");
    REQUIRE(r.ok);
    CHECK(r.reply.options.empty());
    CHECK_FALSE(parse_push_reply("PUSH_REPLYX,route 1.2.3.4").ok);
    CHECK_FALSE(parse_push_reply("PUSH_REQUEST").ok);
    CHECK_FALSE(parse_push_reply("AUTH_FAILED").ok);
    CHECK_FALSE(parse_push_reply("").ok);
    // Empty options between commas are skipped, as parse_line yields no words.
    r = parse_push_reply("PUSH_REPLY,,ping 10,  ,ping-restart 60,");
    REQUIRE(r.ok);
    CHECK(r.reply.options == std::vector<Words>{{"ping", "10"}, {"ping-restart", "60"}});
}

TEST_CASE("quoting inside an option, but never across a comma") {
    auto r = parse_push_reply(R"(PUSH_REPLY,setenv-safe NAME "two words",dhcp-option DOMAIN "a\"b",x 'c d')");
    REQUIRE(r.ok);
    CHECK(r.reply.options[0] == Words{"setenv-safe", "NAME", "two words"});
    CHECK(r.reply.options[1] == Words{"dhcp-option", "DOMAIN", "a\"b"});
    CHECK(r.reply.options[2] == Words{"x", "c d"});
    // buf_parse splits on every ',' first: the quote is left open.
    r = parse_push_reply(R"(PUSH_REPLY,echo "a,b")");
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.error.empty());
    // A comment word ends the option, as in a config file.
    r = parse_push_reply("PUSH_REPLY,ping 10 # note");
    REQUIRE(r.ok);
    CHECK(r.reply.options[0] == Words{"ping", "10"});
}

TEST_CASE("push-continuation markers and option length") {
    auto r = parse_push_reply("PUSH_REPLY,route 10.0.0.0 255.0.0.0,push-continuation 2");
    REQUIRE(r.ok);
    CHECK(r.reply.continuation == 2);
    CHECK(r.reply.options.size() == 1);
    r = parse_push_reply("PUSH_REPLY,push-continuation 1,route 10.0.0.0 255.0.0.0");
    REQUIRE(r.ok);
    CHECK(r.reply.continuation == 1);
    CHECK_FALSE(parse_push_reply("PUSH_REPLY,push-continuation 3").ok);
    // Not the marker (wrong arity): an ordinary option for the caller to refuse.
    r = parse_push_reply("PUSH_REPLY,push-continuation");
    REQUIRE(r.ok);
    CHECK(r.reply.continuation == 0);
    CHECK(r.reply.options.size() == 1);
    CHECK(parse_push_reply("PUSH_REPLY,setenv X " + std::string(255 - 9, 'v')).ok);
    CHECK_FALSE(parse_push_reply("PUSH_REPLY,setenv X " + std::string(256 - 9, 'v')).ok);
}

TEST_CASE("building: one message when it fits") {
    CHECK(build_push_reply({}) == std::vector<std::string>{"PUSH_REPLY"});
    CHECK(build_push_reply({"ping 10", "cipher AES-256-GCM"}) ==
          std::vector<std::string>{"PUSH_REPLY,ping 10,cipher AES-256-GCM"});
    CHECK_THROWS_AS(build_push_reply({"route a,b"}), std::invalid_argument);
    CHECK_THROWS_AS(build_push_reply({std::string("x\0y", 3)}), std::invalid_argument);
    CHECK_THROWS_AS(build_push_reply({std::string(256, 'r')}), std::invalid_argument);
}

TEST_CASE("building: chunks under 1024 bytes, split exactly where 2.6 splits, parse back") {
    std::vector<std::string> opts;
    for (int i = 0; i < 200; ++i) opts.push_back("route 10." + std::to_string(i) + ".0.0 255.255.0.0");
    const auto msgs = build_push_reply(opts);
    REQUIRE(msgs.size() > 1);
    std::vector<Words> back;
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        CAPTURE(i);
        CHECK(msgs[i].size() < 1024);
        const auto r = parse_push_reply(msgs[i]);
        REQUIRE(r.ok);
        CHECK(r.reply.continuation == (i + 1 < msgs.size() ? 2 : 1));
        back.insert(back.end(), r.reply.options.begin(), r.reply.options.end());
        // push.c: send_push_options flushes when length + next option >= 940, so
        // every full message would have overflowed with its successor's first option.
        if (i + 1 < msgs.size()) {
            const std::string body = msgs[i].substr(0, msgs[i].size() - std::string(",push-continuation 2").size());
            const auto next = parse_push_reply(msgs[i + 1]);
            std::string first = next.reply.options[0][0];
            for (std::size_t w = 1; w < next.reply.options[0].size(); ++w) first += " " + next.reply.options[0][w];
            CHECK(body.size() + first.size() >= 940);
            CHECK(body.size() < 940);
        }
    }
    REQUIRE(back.size() == opts.size());
    CHECK(back[199] == Words{"route", "10.199.0.0", "255.255.0.0"});

    // The exact boundary: "PUSH_REPLY" (10) then ",option" each.  An option of length
    // l goes into the current message iff current length + l < 940.
    const std::string o232(232, 'a'), o229(229, 'c');
    const std::vector<std::string> full = {o232, o232, o232, o229};  // 10 + 3 * 233 + 230 = 939
    CHECK(build_push_reply(full).size() == 1);
    CHECK(build_push_reply(full)[0].size() == 939);
    auto plus = full;
    plus.push_back("");  // 939 + 0 < 940
    CHECK(build_push_reply(plus).size() == 1);
    plus.back() = "b";   // 939 + 1 >= 940: flush first
    const auto two = build_push_reply(plus);
    REQUIRE(two.size() == 2);
    CHECK(two[0] == build_push_reply(full)[0] + ",push-continuation 2");
    CHECK(two[1] == "PUSH_REPLY,b,push-continuation 1");
}

TEST_CASE("push reply: auth-token values are redacted for the log, nothing else changes") {
    using vpn::ovpn::redact_push_reply;
    CHECK(redact_push_reply("PUSH_REPLY,route 10.9.0.0 255.255.255.0,auth-token SESS_ID_abc,peer-id 0") ==
          "PUSH_REPLY,route 10.9.0.0 255.255.255.0,auth-token [redacted],peer-id 0");
    CHECK(redact_push_reply("PUSH_REPLY,auth-token-user dXNlcg==,auth-token x y") ==
          "PUSH_REPLY,auth-token-user [redacted],auth-token [redacted]");
    CHECK(redact_push_reply("PUSH_REPLY,auth-tokens-are-not-this 1,ping 10") == "PUSH_REPLY,auth-tokens-are-not-this 1,ping 10");
    CHECK(redact_push_reply("PUSH_REPLY") == "PUSH_REPLY");
    CHECK(redact_push_reply("PUSH_REPLY,") == "PUSH_REPLY,");
    CHECK(redact_push_reply("") == "");
}
