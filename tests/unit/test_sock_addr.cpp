#include <doctest/doctest.h>

#include "common/net/sock_addr.hpp"

using namespace vpn::net;

// Numeric addresses only: unit tests send no DNS queries.
TEST_CASE("socket addresses print as OpenVPN prints them") {
    std::string err;
    auto v4 = resolve("192.0.2.7", 1194, Want::V4, false, &err);
    REQUIRE(v4.size() == 1);
    CHECK(v4[0].str() == "[AF_INET]192.0.2.7:1194");
    auto mapped = to_v4_mapped(v4[0]);
    CHECK(mapped.family() == AF_INET6);
    CHECK(mapped.str() == "[AF_INET]192.0.2.7:1194");
    CHECK_FALSE(mapped.same_endpoint(v4[0]));  // different families never compare equal
    auto v6 = resolve("2001:db8::1", 53, Want::V6, false, &err);
    REQUIRE(v6.size() == 1);
    CHECK(v6[0].str() == "[AF_INET6]2001:db8::1:53");
    CHECK(any_address(AF_INET6, 7).str() == "[AF_INET6]:::7");
}
