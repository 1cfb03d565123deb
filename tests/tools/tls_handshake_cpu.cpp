// Benchmark helper (issue 4): the server-side CPU time of a bare OpenSSL TLS
// handshake, with nothing of OpenVPN or of vpn around it -- the floor any OpenVPN
// server on this OpenSSL pays per new session.  server_load.sh prints it beside the
// servers' "CPU per new session".
//
//   tls_handshake_cpu --ca F --server-cert F --server-key F --client-cert F
//                     --client-key F [--count N (300)] [--tls12]
//
// Both ends live in this process over memory BIOs, as a TLS 1.3 (or 1.2) server
// that requires a client certificate (SSL_VERIFY_FAIL_IF_NO_PEER_CERT, no session
// tickets, as an OpenVPN server does).  Only the thread CPU spent inside the
// server's SSL_new / SSL_do_handshake / SSL_free calls is counted.  Prints
// "handshakes OK/N server_cpu_ms_per_handshake X"; exit 0 only if all completed.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace {

double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

// Moves what one end wrote to the other end's input.
void pump(BIO* from, BIO* to) {
    char buf[16384];
    int n;
    while ((n = BIO_read(from, buf, sizeof buf)) > 0) BIO_write(to, buf, n);
}

SSL* new_endpoint(SSL_CTX* ctx, bool server) {
    SSL* ssl = SSL_new(ctx);
    if (!ssl) return nullptr;
    SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    if (server) SSL_set_accept_state(ssl);
    else SSL_set_connect_state(ssl);
    return ssl;
}

bool load(SSL_CTX* ctx, const std::string& ca, const std::string& cert, const std::string& key) {
    return SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) == 1 &&
           SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) == 1 &&
           SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) == 1;
}

int usage() {
    std::fprintf(stderr,
                 "usage: tls_handshake_cpu --ca F --server-cert F --server-key F --client-cert F "
                 "--client-key F [--count N] [--tls12]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string ca, scert, skey, ccert, ckey;
    int count = 300;
    bool tls12 = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        const char* v = nullptr;
        if (a == "--tls12") { tls12 = true; continue; }
        if (!(v = next())) return usage();
        if (a == "--ca") ca = v;
        else if (a == "--server-cert") scert = v;
        else if (a == "--server-key") skey = v;
        else if (a == "--client-cert") ccert = v;
        else if (a == "--client-key") ckey = v;
        else if (a == "--count") count = std::atoi(v);
        else return usage();
    }
    if (ca.empty() || scert.empty() || skey.empty() || ccert.empty() || ckey.empty() || count <= 0 ||
        count > 100000)
        return usage();

    SSL_CTX* sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
    if (!sctx || !cctx || !load(sctx, ca, scert, skey) || !load(cctx, ca, ccert, ckey)) {
        std::fprintf(stderr, "tls_handshake_cpu: cannot load the certificates and keys\n");
        ERR_print_errors_fp(stderr);
        return 1;
    }
    if (tls12) SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_options(cctx, SSL_OP_NO_TICKET);

    double server_ms = 0;
    int ok = 0;
    for (int i = 0; i < count; ++i) {
        double t0 = thread_cpu_ms();
        SSL* s = new_endpoint(sctx, true);
        server_ms += thread_cpu_ms() - t0;
        SSL* c = new_endpoint(cctx, false);
        if (!s || !c) return 1;
        // A TLS 1.3 handshake with a client certificate takes 2 round trips; 8 is
        // a bound, not an expectation.
        for (int round = 0; round < 8; ++round) {
            SSL_do_handshake(c);
            pump(SSL_get_wbio(c), SSL_get_rbio(s));
            t0 = thread_cpu_ms();
            int r = SSL_do_handshake(s);
            server_ms += thread_cpu_ms() - t0;
            pump(SSL_get_wbio(s), SSL_get_rbio(c));
            if (r == 1 && SSL_do_handshake(c) == 1) {
                ++ok;
                break;
            }
        }
        t0 = thread_cpu_ms();
        SSL_free(s);
        server_ms += thread_cpu_ms() - t0;
        SSL_free(c);
    }
    std::printf("handshakes %d/%d server_cpu_ms_per_handshake %.3f\n", ok, count, server_ms / count);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return ok == count ? 0 : 1;
}
