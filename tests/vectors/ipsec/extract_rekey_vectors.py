#!/usr/bin/env python3
"""Dump the rekey exchanges of the strongSwan cert session as a vector file.

cert-session-vectors.txt stops at the first child SA; the capture
(cert-rw-gcm-x25519-rekey.pcap) and the initiator's level-4 key log also hold a
CREATE_CHILD_SA child rekey with PFS and an IKE SA rekey.  This script decrypts
those exchanges with the bench's own helpers (verify_vectors.py) and writes the
inputs (nonces, SPIs, g^ir) next to what strongSwan logged (keys), so the C++
tests compare against strongSwan's values, not against a re-derivation.

usage: extract_rekey_vectors.py BENCH_DIR > cert-rekey-vectors.txt
"""
import os, struct, sys

bench = sys.argv[1]
sys.path.insert(0, bench)
import verify_vectors as vv  # noqa: E402

pcap = os.path.join(bench, "samples/cert-rw-gcm-x25519-rekey.pcap")
logs = vv.read_keylog(os.path.join(bench, "samples/cert-rw-initiator-keys.log"))
vecs = dict(l.split(" = ", 1) for l in open(os.path.join(bench, "samples/cert-session-vectors.txt"))
            if " = " in l and not l.startswith("#"))
h = lambda k: bytes.fromhex(vecs[k].strip())

ike = [(s, d, sp, dp, vv.is_ike(sp, dp, p)) for s, d, sp, dp, p in vv.read_pcap(pcap)]
ike = [x for x in ike if x[4] is not None]
spi_i = h("SPIi")
sa = vv.IkeSA(5, (20, 128), 0, [h("SK_d"), b"", b"", h("SK_ei"), h("SK_er"), h("SK_pi"), h("SK_pr")])

out = []
def put(name, v):
    out.append(f"{name} = {v.hex()}")

for i, (_, _, _, _, m) in enumerate(ike):
    hd = vv.ike_header(m)
    if hd["xchg"] != 36 or hd["spi_i"] != spi_i or hd["flags"] & 0x20:
        continue
    np_q, q, _, _ = sa.decrypt(m, bool(hd["flags"] & 0x08))
    resp = next(x[4] for x in ike[i + 1:] if vv.ike_header(x[4])["xchg"] == 36
                and vv.ike_header(x[4])["mid"] == hd["mid"] and vv.ike_header(x[4])["flags"] & 0x20)
    np_s, r, _, _ = sa.decrypt(resp, bool(vv.ike_header(resp)["flags"] & 0x08))
    qp = {n: b for n, b, _ in vv.payloads(np_q, q)}
    rp = {n: b for n, b, _ in vv.payloads(np_s, r)}
    _, proto, rspi = vv.parse_sa(rp[33])
    _, _, qspi = vv.parse_sa(qp[33])
    # the request's sender is the exchange initiator ("i" below)
    who = "ike_sa_initiator" if hd["flags"] & 0x08 else "ike_sa_responder"
    if proto == 1:
        gir = [g for g in vv.logged(logs, "shared Diffie Hellman secret")
               if vv.prf(5, h("SK_d"), g + qp[40] + rp[40]) in vv.logged(logs, "SKEYSEED")][0]
        skeyseed = vv.prf(5, h("SK_d"), gir + qp[40] + rp[40])
        i_sks = [k for k, (n, v) in enumerate(logs) if n == "SKEYSEED" and v == skeyseed][0]
        out.append(f"# IKE SA rekey, CREATE_CHILD_SA requested by the {who}; keys as strongSwan logged them")
        put("ike_rekey_g^ir", gir); put("ike_rekey_Ni", qp[40]); put("ike_rekey_Nr", rp[40])
        put("ike_rekey_SPIi", qspi); put("ike_rekey_SPIr", rspi)
        put("ike_rekey_SKEYSEED", logs[i_sks][1])
        for n, v in logs[i_sks + 1:i_sks + 6]:
            put("ike_rekey_" + n.split()[0].replace("Sk", "SK"), v)
    else:
        dh = struct.unpack(">H", qp[34][:2])[0]
        seed = [d + qp[40] + rp[40] for d in vv.logged(logs, "DH secret")]
        seed = [x for x in seed if x in vv.logged(logs, "seed")][0]
        k = [j for j, (n, v) in enumerate(logs) if n == "seed" and v == seed][0]
        out.append(f"# CHILD_SA rekey with PFS (DH {dh}), requested by the {who}; keys as strongSwan logged them")
        put("child_rekey_g^ir", seed[:-len(qp[40]) - len(rp[40])])
        put("child_rekey_Ni", qp[40]); put("child_rekey_Nr", rp[40])
        put("child_rekey_Ei", logs[k + 1][1]); put("child_rekey_Er", logs[k + 2][1])

print("# Rekeys of the strongSwan 5.9.8 cert session (cert-session-vectors.txt), dumped by")
print("# extract_rekey_vectors.py from cert-rw-gcm-x25519-rekey.pcap + cert-rw-initiator-keys.log.")
print("# Transforms unchanged: IKE ENCR (20, 128) PRF 5 DH 31; child ENCR (20, 128), PFS DH 31")
print("\n".join(out))
