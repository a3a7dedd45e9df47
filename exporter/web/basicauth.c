// SPDX-License-Identifier: GPL-2.0
#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "web/basicauth.h"

#define MAC_LEN 32 /* SHA-256 */

struct cache_slot {
	unsigned char mac[MAC_LEN];
	bool used;
};

struct basicauth {
	struct webconfig_user *users;
	size_t nusers;
	char dummy[CRYPT_GENSALT_OUTPUT_SIZE + 32];
	unsigned char key[MAC_LEN];
	pthread_mutex_t lock; /* the cache */
	struct cache_slot cache[BASICAUTH_CACHE_SLOTS];
	size_t next; /* the slot to overwrite next */
};

/* Compare without a branch on the contents, so timing tells nothing. */
static bool same_bytes(const unsigned char *a, const unsigned char *b, size_t n)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* HMAC(key, user NUL pass): user names hold no NUL, so pairs cannot collide. */
static int pair_mac(const struct basicauth *ba, const char *user, const char *pass,
		    unsigned char mac[MAC_LEN])
{
	gnutls_hmac_hd_t h;
	int ret;

	ret = gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, ba->key, sizeof(ba->key));
	if (ret < 0)
		return -ENOMEM;
	if (gnutls_hmac(h, user, strlen(user) + 1) < 0 || gnutls_hmac(h, pass, strlen(pass)) < 0)
		ret = -EIO;
	gnutls_hmac_deinit(h, mac);
	return ret < 0 ? ret : 0;
}

struct basicauth *basicauth__new(const struct webconfig_user *users, size_t nusers)
{
	struct basicauth *ba;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	int cost = 10, err;
	size_t i;

	ba = calloc(1, sizeof(*ba));
	if (!ba)
		return NULL;
	pthread_mutex_init(&ba->lock, NULL);
	ba->users = calloc(nusers ? nusers : 1, sizeof(*ba->users));
	if (!ba->users)
		goto fail_errno;
	for (i = 0; i < nusers; i++, ba->nusers++) {
		ba->users[i].name = strdup(users[i].name);
		ba->users[i].hash = strdup(users[i].hash);
		ba->users[i].cost = users[i].cost;
		if (!ba->users[i].name || !ba->users[i].hash) {
			free(ba->users[i].name);
			free(ba->users[i].hash);
			goto fail_errno;
		}
		if (i == 0 || users[i].cost > cost)
			cost = users[i].cost;
	}
	if (getrandom(ba->key, sizeof(ba->key), 0) != sizeof(ba->key))
		goto fail_errno;
	/*
	 * Only the setting (cost and salt) decides how long crypt takes, so the
	 * dummy needs no real hash part: 31 characters no output can equal
	 * matter as much as any.
	 */
	if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, salt, sizeof(salt)))
		goto fail_errno;
	snprintf(ba->dummy, sizeof(ba->dummy), "%.29s%s", salt, "...............................");
	return ba;
fail_errno:
	err = errno ? errno : ENOMEM;
	basicauth__free(ba);
	errno = err;
	return NULL;
}

void basicauth__free(struct basicauth *ba)
{
	size_t i;

	if (!ba)
		return;
	for (i = 0; i < ba->nusers; i++) {
		free(ba->users[i].name);
		free(ba->users[i].hash);
	}
	free(ba->users);
	pthread_mutex_destroy(&ba->lock);
	explicit_bzero(ba, sizeof(*ba));
	free(ba);
}

bool basicauth__cached(struct basicauth *ba, const char *user, const char *pass)
{
	unsigned char mac[MAC_LEN];
	bool hit = false;
	size_t i;

	if (pair_mac(ba, user, pass, mac))
		return false;
	pthread_mutex_lock(&ba->lock);
	for (i = 0; i < BASICAUTH_CACHE_SLOTS; i++)
		hit |= ba->cache[i].used & same_bytes(ba->cache[i].mac, mac, MAC_LEN);
	pthread_mutex_unlock(&ba->lock);
	explicit_bzero(mac, sizeof(mac));
	return hit;
}

static void remember(struct basicauth *ba, const char *user, const char *pass)
{
	unsigned char mac[MAC_LEN];
	size_t i;

	if (pair_mac(ba, user, pass, mac))
		return;
	pthread_mutex_lock(&ba->lock);
	for (i = 0; i < BASICAUTH_CACHE_SLOTS; i++)
		if (ba->cache[i].used && same_bytes(ba->cache[i].mac, mac, MAC_LEN))
			break;
	if (i == BASICAUTH_CACHE_SLOTS) {
		memcpy(ba->cache[ba->next].mac, mac, MAC_LEN);
		ba->cache[ba->next].used = true;
		ba->next = (ba->next + 1) % BASICAUTH_CACHE_SLOTS;
	}
	pthread_mutex_unlock(&ba->lock);
	explicit_bzero(mac, sizeof(mac));
}

bool basicauth__verify(struct basicauth *ba, const char *user, const char *pass)
{
	const struct webconfig_user *u = NULL;
	struct crypt_data *cd;
	const char *hash, *out;
	bool ok;
	size_t i;

	for (i = 0; i < ba->nusers; i++)
		if (!strcmp(ba->users[i].name, user))
			u = &ba->users[i];
	hash = u ? u->hash : ba->dummy;
	/* struct crypt_data is 32 KiB: too big for a thread's stack to take lightly */
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	out = crypt_rn(pass, hash, cd, sizeof(*cd));
	ok = u && out && strlen(out) == strlen(hash) &&
	     same_bytes((const unsigned char *)out, (const unsigned char *)hash, strlen(hash));
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	if (ok)
		remember(ba, user, pass);
	return ok;
}

const char *basicauth__dummy_hash(const struct basicauth *ba)
{
	return ba->dummy;
}
