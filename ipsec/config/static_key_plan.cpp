#include "ipsec/config/static_key_plan.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <strings.h>

#include "ipsec/config/config_fail.hpp"
#include "ipsec/config/proposal.hpp"
#include "ipsec/manual/static_key_sas.hpp"
#include "pki/static_key.hpp"

namespace vpn::ipsec {
namespace {

struct NamedEncr {
    const char* name;
    std::uint16_t id, bits;
};
constexpr NamedEncr kCiphers[] = {
    {"AES-128-CBC", ike::encr::kAesCbc, 128},   {"AES-192-CBC", ike::encr::kAesCbc, 192},
    {"AES-256-CBC", ike::encr::kAesCbc, 256},   {"AES-128-GCM", ike::encr::kAesGcm16, 128},
    {"AES-192-GCM", ike::encr::kAesGcm16, 192}, {"AES-256-GCM", ike::encr::kAesGcm16, 256},
    {"DES-EDE3-CBC", ike::encr::k3Des, 0},
};

struct NamedInteg {
    const char* name;
    std::uint16_t id;
};
constexpr NamedInteg kDigests[] = {
    {"SHA1", ike::integ::kHmacSha1_96},
    {"SHA256", ike::integ::kHmacSha256_128},
    {"SHA384", ike::integ::kHmacSha384_192},
    {"SHA512", ike::integ::kHmacSha512_256},
};

std::uint32_t ipv4(const std::string& s) {
    in_addr a{};
    ::inet_pton(AF_INET, s.c_str(), &a);  // validated by the config layer
    return ntohl(a.s_addr);
}

}  // namespace

EspAlgorithm static_key_algorithm(const config::Options& o, const config::WarningSink& warn) {
    if (!o.cipher_origin) {
        const auto& w = o.ipsec.esp_proposals;
        auto props = w ? parse_proposals(w->text, ProposalKind::Esp, w->origin, "esp-proposals")
                       : parse_proposals(kDefaultEspProposals, ProposalKind::Esp, *o.technique_origin, "esp-proposals");
        const Proposal& first = props.front();
        const Transform e = first.of(ike::TransformType::Encr).front();
        auto integs = first.of(ike::TransformType::Integ);
        return EspAlgorithm{e.id, e.key_bits, integs.empty() ? ike::integ::kNone : integs.front().id};
    }
    EspAlgorithm a;
    auto c = std::find_if(std::begin(kCiphers), std::end(kCiphers),
                          [&](const NamedEncr& x) { return ::strcasecmp(x.name, o.cipher.c_str()) == 0; });
    if (c == std::end(kCiphers)) {
        fail_at(*o.cipher_origin, fmt::format("'cipher': {} has no ESP transform, expected AES-128-GCM, AES-256-GCM, "
                                              "AES-128-CBC, AES-192-CBC, AES-256-CBC or DES-EDE3-CBC",
                                              o.cipher));
    }
    a.encr_id = c->id;
    a.encr_key_bits = c->bits;
    a.integ_id = ike::integ::kNone;
    if (is_aead(a.encr_id)) {
        if (o.auth_origin && warn) {
            warn(fmt::format("{}: 'auth' is ignored: {} authenticates itself", o.auth_origin->str(), c->name));
        }
        return a;
    }
    auto d = std::find_if(std::begin(kDigests), std::end(kDigests),
                          [&](const NamedInteg& x) { return ::strcasecmp(x.name, o.auth.c_str()) == 0; });
    if (d == std::end(kDigests)) {
        const config::Origin& at = o.auth_origin ? *o.auth_origin : *o.cipher_origin;
        fail_at(at, fmt::format("'auth': {} has no ESP transform, expected SHA1, SHA256, SHA384 or SHA512", o.auth));
    }
    a.integ_id = d->id;
    return a;
}

std::vector<manual::ManualSa> static_key_sas(const config::Options& o, const config::WarningSink& warn) {
    const config::KeySource& src = *o.secret;
    const EspAlgorithm alg = static_key_algorithm(o, warn);
    pki::StaticKey key;
    try {
        key = src.inline_text ? pki::parse_static_key(*src.inline_text, src.origin.str())
                              : pki::read_static_key_file(src.path);
    } catch (const std::exception& e) {
        fail_at(src.origin, fmt::format("'secret': {}", e.what()));
    }
    if (key.raw().size() != manual::kStaticKeyBytes) {
        fail_at(src.origin, fmt::format("'secret': manual ESP keying needs a 2048-bit static key (256 bytes), this one "
                                        "has {} bytes; expected a key from 'vpn --genkey secret'",
                                        key.raw().size()));
    }
    manual::StaticSaInput in;
    in.static_key = key.raw();
    in.local_addr = ipv4(*o.ifconfig_local);
    in.peer_addr = ipv4(*o.ifconfig_remote);
    if (o.ipsec.esp_spi) {
        in.spi_out = o.ipsec.esp_spi->out;
        in.spi_in = o.ipsec.esp_spi->in;
    }
    in.algorithm = alg;
    in.replay_window = o.replay_window_origin ? static_cast<std::uint32_t>(o.replay_window) : 0;
    auto sas = manual::derive_static_sas(in);
    return {std::make_move_iterator(sas.begin()), std::make_move_iterator(sas.end())};
}

}  // namespace vpn::ipsec
