// SPDX-License-Identifier: GPL-2.0
/*
 * bcrypt_hash PASSWORD [COST]: print a bcrypt hash of PASSWORD ($2y$, like
 * htpasswd -B) for the tests' basic_auth_users, made with libcrypt.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;
	unsigned long cost = 10;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bcrypt_hash PASSWORD [COST]\n");
		return 2;
	}
	if (argc == 3)
		cost = strtoul(argv[2], NULL, 10);
	cd = calloc(1, sizeof(*cd));
	if (!cd || !crypt_gensalt_rn("$2y$", cost, NULL, 0, salt, sizeof(salt))) {
		perror("bcrypt_hash: crypt_gensalt_rn");
		return 1;
	}
	h = crypt_rn(argv[1], salt, cd, sizeof(*cd));
	if (!h || h[0] == '*') {
		perror("bcrypt_hash: crypt_rn");
		return 1;
	}
	printf("%s\n", h);
	free(cd);
	return 0;
}
