#pragma once
// IKEv2 numbers (RFC 7296 §3 and the IANA "IKEv2 Parameters" registry; RFC 7383,
// RFC 7427, RFC 8031), shared by the message codec, the key schedule and the
// exchanges.  Only names: what a value means is the job of the code that uses it.
#include <cstddef>
#include <cstdint>

namespace vpn::ike {

inline constexpr std::uint8_t kVersion = 0x20;  // major 2, minor 0
inline constexpr std::size_t kHeaderLen = 28;
inline constexpr std::uint16_t kPortIke = 500;
inline constexpr std::uint16_t kPortNatT = 4500;

enum class ExchangeType : std::uint8_t {
    IkeSaInit = 34,
    IkeAuth = 35,
    CreateChildSa = 36,
    Informational = 37,
};

namespace flag {
inline constexpr std::uint8_t kInitiator = 0x08;
inline constexpr std::uint8_t kVersion = 0x10;
inline constexpr std::uint8_t kResponse = 0x20;
}  // namespace flag

enum class PayloadType : std::uint8_t {
    None = 0,
    SA = 33,
    KE = 34,
    IDi = 35,
    IDr = 36,
    CERT = 37,
    CERTREQ = 38,
    AUTH = 39,
    Nonce = 40,
    Notify = 41,
    Delete = 42,
    VendorId = 43,
    TSi = 44,
    TSr = 45,
    SK = 46,
    CP = 47,
    EAP = 48,
    SKF = 53,
};

enum class ProtocolId : std::uint8_t { None = 0, Ike = 1, Ah = 2, Esp = 3 };

enum class TransformType : std::uint8_t { Encr = 1, Prf = 2, Integ = 3, Dh = 4, Esn = 5 };

// Transform IDs by type.
namespace encr {
inline constexpr std::uint16_t k3Des = 3;
inline constexpr std::uint16_t kNull = 11;
inline constexpr std::uint16_t kAesCbc = 12;
inline constexpr std::uint16_t kAesCtr = 13;
inline constexpr std::uint16_t kAesGcm8 = 18;
inline constexpr std::uint16_t kAesGcm12 = 19;
inline constexpr std::uint16_t kAesGcm16 = 20;
inline constexpr std::uint16_t kChaCha20Poly1305 = 28;
}  // namespace encr
namespace prf {
inline constexpr std::uint16_t kHmacSha1 = 2;
inline constexpr std::uint16_t kHmacSha256 = 5;
inline constexpr std::uint16_t kHmacSha384 = 6;
inline constexpr std::uint16_t kHmacSha512 = 7;
}  // namespace prf
namespace integ {
inline constexpr std::uint16_t kNone = 0;
inline constexpr std::uint16_t kHmacSha1_96 = 2;
inline constexpr std::uint16_t kHmacSha256_128 = 12;
inline constexpr std::uint16_t kHmacSha384_192 = 13;
inline constexpr std::uint16_t kHmacSha512_256 = 14;
}  // namespace integ
namespace dh {
inline constexpr std::uint16_t kNone = 0;
inline constexpr std::uint16_t kModp2048 = 14;
inline constexpr std::uint16_t kModp3072 = 15;
inline constexpr std::uint16_t kModp4096 = 16;
inline constexpr std::uint16_t kEcp256 = 19;
inline constexpr std::uint16_t kEcp384 = 20;
inline constexpr std::uint16_t kEcp521 = 21;
inline constexpr std::uint16_t kCurve25519 = 31;
inline constexpr std::uint16_t kCurve448 = 32;
}  // namespace dh
namespace esn {
inline constexpr std::uint16_t kNo = 0;
inline constexpr std::uint16_t kYes = 1;
}  // namespace esn

inline constexpr std::uint16_t kAttrKeyLength = 14;  // always TV (AF bit set)

enum class IdType : std::uint8_t {
    Ipv4Addr = 1,
    Fqdn = 2,
    Rfc822Addr = 3,
    Ipv6Addr = 5,
    DerAsn1Dn = 9,
    DerAsn1Gn = 10,
    KeyId = 11,
};

enum class AuthMethod : std::uint8_t {
    Rsa = 1,           // RSASSA-PKCS1-v1_5, SHA-1
    SharedKey = 2,     // PSK
    Dss = 3,
    EcdsaP256 = 9,     // SHA-256, raw r|s
    EcdsaP384 = 10,    // SHA-384
    EcdsaP521 = 11,    // SHA-512
    Null = 13,
    DigitalSignature = 14,  // RFC 7427
};

// RFC 7427 SIGNATURE_HASH_ALGORITHMS values.
namespace hash_alg {
inline constexpr std::uint16_t kSha1 = 1;
inline constexpr std::uint16_t kSha256 = 2;
inline constexpr std::uint16_t kSha384 = 3;
inline constexpr std::uint16_t kSha512 = 4;
inline constexpr std::uint16_t kIdentity = 5;
}  // namespace hash_alg

enum class CertEncoding : std::uint8_t { X509Signature = 4, Crl = 7, HashAndUrlX509 = 12 };

enum class TsType : std::uint8_t { Ipv4AddrRange = 7, Ipv6AddrRange = 8 };

enum class CfgType : std::uint8_t { Request = 1, Reply = 2, Set = 3, Ack = 4 };

namespace cfg_attr {
inline constexpr std::uint16_t kInternalIp4Address = 1;
inline constexpr std::uint16_t kInternalIp4Netmask = 2;
inline constexpr std::uint16_t kInternalIp4Dns = 3;
inline constexpr std::uint16_t kInternalIp4Nbns = 4;
inline constexpr std::uint16_t kInternalIp4Dhcp = 6;
inline constexpr std::uint16_t kApplicationVersion = 7;
inline constexpr std::uint16_t kInternalIp6Address = 8;
inline constexpr std::uint16_t kInternalIp6Dns = 10;
inline constexpr std::uint16_t kInternalIp4Subnet = 13;
inline constexpr std::uint16_t kSupportedAttributes = 14;
inline constexpr std::uint16_t kInternalIp6Subnet = 15;
}  // namespace cfg_attr

// Notify message types: below 16384 errors, from 16384 status.
namespace notify {
inline constexpr std::uint16_t kUnsupportedCriticalPayload = 1;
inline constexpr std::uint16_t kInvalidIkeSpi = 4;
inline constexpr std::uint16_t kInvalidMajorVersion = 5;
inline constexpr std::uint16_t kInvalidSyntax = 7;
inline constexpr std::uint16_t kInvalidMessageId = 9;
inline constexpr std::uint16_t kInvalidSpi = 11;
inline constexpr std::uint16_t kNoProposalChosen = 14;
inline constexpr std::uint16_t kInvalidKePayload = 17;
inline constexpr std::uint16_t kAuthenticationFailed = 24;
inline constexpr std::uint16_t kSinglePairRequired = 34;
inline constexpr std::uint16_t kNoAdditionalSas = 35;
inline constexpr std::uint16_t kInternalAddressFailure = 36;
inline constexpr std::uint16_t kFailedCpRequired = 37;
inline constexpr std::uint16_t kTsUnacceptable = 38;
inline constexpr std::uint16_t kInvalidSelectors = 39;
inline constexpr std::uint16_t kTemporaryFailure = 43;
inline constexpr std::uint16_t kChildSaNotFound = 44;
inline constexpr std::uint16_t kFirstStatus = 16384;
inline constexpr std::uint16_t kInitialContact = 16384;
inline constexpr std::uint16_t kSetWindowSize = 16385;
inline constexpr std::uint16_t kAdditionalTsPossible = 16386;
inline constexpr std::uint16_t kIpcompSupported = 16387;
inline constexpr std::uint16_t kNatDetectionSourceIp = 16388;
inline constexpr std::uint16_t kNatDetectionDestinationIp = 16389;
inline constexpr std::uint16_t kCookie = 16390;
inline constexpr std::uint16_t kUseTransportMode = 16391;
inline constexpr std::uint16_t kRekeySa = 16393;
inline constexpr std::uint16_t kEspTfcPaddingNotSupported = 16394;
inline constexpr std::uint16_t kNonFirstFragmentsAlso = 16395;
inline constexpr std::uint16_t kMobikeSupported = 16396;
inline constexpr std::uint16_t kNoAdditionalAddresses = 16399;
inline constexpr std::uint16_t kUpdateSaAddresses = 16400;
inline constexpr std::uint16_t kMultipleAuthSupported = 16404;
inline constexpr std::uint16_t kRedirectSupported = 16406;
inline constexpr std::uint16_t kEapOnlyAuthentication = 16417;
inline constexpr std::uint16_t kChildlessIkev2Supported = 16418;
inline constexpr std::uint16_t kIkev2MessageIdSyncSupported = 16420;
inline constexpr std::uint16_t kFragmentationSupported = 16430;
inline constexpr std::uint16_t kSignatureHashAlgorithms = 16431;
}  // namespace notify

}  // namespace vpn::ike
