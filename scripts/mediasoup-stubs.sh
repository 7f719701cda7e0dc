#!/usr/bin/env bash
# Prepare mediasoup's worker sources (argument: the worker/ folder of the npm tarball) for an
# offline build: every meson wrap becomes a stub over Debian's library, and DtlsTransport is patched.
set -euo pipefail
src="$1"; here="$(cd "$(dirname "$0")" && pwd)/mediasoup-offline/subprojects"
rm -f "$src"/subprojects/*.wrap          # nothing may be downloaded
for d in "$here"/*/; do
  name="$(basename "$d")"; rm -rf "$src/subprojects/$name"; cp -r "$d" "$src/subprojects/$name"
  : >"$src/subprojects/$name/empty.c"
done
# The worker's BIO callback answers 1 to every post-operation query, including OpenSSL's
# "is kernel TLS on?" — Debian's OpenSSL has KTLS built in, believes it, and then crashes the worker
# on the first DTLS record. Passing the real result through for all post-callbacks fixes it.
f="$src/src/RTC/DtlsTransport.cpp"
sed -i 's/(operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1;/(operationType \& BIO_CB_RETURN) ? static_cast<long>(ret) : 1;/' "$f"
grep -q '(operationType & BIO_CB_RETURN) ? static_cast<long>(ret) : 1;' "$f" ||
  { echo "mediasoup-stubs: DtlsTransport.cpp patch did not apply" >&2; exit 1; }
