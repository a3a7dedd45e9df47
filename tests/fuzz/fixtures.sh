#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fixtures.sh DIR: the certificates and keys fuzz_webconfig's inputs name
# (the same set tests/unit/test_webconfig.c makes), made once with openssl.
set -e
mkdir -p "$1"
cd "$1"
exec 2>/dev/null >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout ca.key -out ca.pem -days 3650 -subj /CN=fuzz-ca
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout server.key -out server.csr -subj /CN=localhost
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-out server.pem -days 3650
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-aes-128-cbc -pass pass:x -out enc.key
printf -- '-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n' >broken.pem
printf -- '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n' >broken.key
printf 'hello\n' >garbage.pem
: >empty.pem
{ cat server.key; printf '\0'; } >nul.key
touch .done
