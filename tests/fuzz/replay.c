/* replay.c — a main() for a fuzz target outside libFuzzer: feed it every
 * committed seed (tests/fuzz/corpus/NAME/) and every regression input
 * (tests/regress/NAME/), so each input that once crashed heed is re-checked
 * by every `make check`, with or without clang.  FUZZ_NAME is the target's
 * name, set per program in tests/fuzz/local.mk. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "heed/util.h"

static int
replay_file(const char *path)
{
	char *buf;
	size_t len;
	heed_err e;

	if (util_read_file(path, &buf, &len, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	return 0;
}

/* Returns the number of inputs replayed, or -1 when one cannot be read. */
static int
replay_dir(const char *dir, int need)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL) {
		if (!need)
			return 0;
		perror(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char *path;
		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (replay_file(path) < 0)
			n = -1;
		else if (n >= 0)
			n++;
		free(path);
	}
	closedir(d);
	return n;
}

int
main(void)
{
	int seeds = replay_dir(HEED_TESTDIR "/fuzz/corpus/" FUZZ_NAME, 1);
	int regress = replay_dir(HEED_TESTDIR "/regress/" FUZZ_NAME, 0);

	if (seeds <= 0 || regress < 0) {
		fprintf(stderr, "fuzz replay %s: no seeds or an unreadable input\n", FUZZ_NAME);
		return 1;
	}
	printf("fuzz replay %s: %d seeds, %d regression inputs, no finding\n",
	    FUZZ_NAME, seeds, regress);
	return 0;
}
