/* resolve.c — turn `-m ARG` into a model folder without touching the
 * network: a folder as is, the bundled heed-mini, or a checkpoint already in
 * the Hugging Face hub cache (models--ORG--NAME/snapshots/<rev>/).
 */
#define _POSIX_C_SOURCE 200809L
#include "heed/model.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool
is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool
has_config(const char *dir)
{
	char *p = xasprintf("%s/config.json", dir);
	struct stat sb;
	bool ok = stat(p, &sb) == 0;

	free(p);
	return ok;
}

static int
resolve_bundled(char **out, heed_err *e)
{
	const char *env = getenv("HEED_MODEL_DIR");
	const char *installed = HEED_DATADIR "/models/heed-mini";
	const char *source = HEED_SRCDIR "/assets/models/heed-mini";

	if (env != NULL && *env != '\0') {
		if (!is_dir(env))
			return err_set(e, HEED_ENOTFOUND, "HEED_MODEL_DIR=%s is not a folder", env);
		*out = xstrdup(env);
		return HEED_OK;
	}
	if (has_config(installed)) {
		*out = xstrdup(installed);
		return HEED_OK;
	}
	if (has_config(source)) {
		*out = xstrdup(source);
		return HEED_OK;
	}
	return err_set(e, HEED_ENOTFOUND,
	    "the bundled model heed-mini is not installed (looked in %s and %s); "
	    "set HEED_MODEL_DIR or pass -m FOLDER", installed, source);
}

/* The hub cache root, as huggingface_hub computes it. */
static char *
hub_root(void)
{
	const char *v;

	if ((v = getenv("HF_HUB_CACHE")) != NULL && *v != '\0')
		return xstrdup(v);
	if ((v = getenv("HF_HOME")) != NULL && *v != '\0')
		return xasprintf("%s/hub", v);
	if ((v = getenv("XDG_CACHE_HOME")) != NULL && *v != '\0')
		return xasprintf("%s/huggingface/hub", v);
	v = getenv("HOME");
	return xasprintf("%s/.cache/huggingface/hub", v ? v : "");
}

/* refs/main names the snapshot transformers would use. */
static char *
snapshot_from_ref(const char *repo)
{
	char *ref = xasprintf("%s/refs/main", repo), *rev, *path = NULL;
	size_t len;

	if (util_read_file(ref, &rev, &len, NULL) == HEED_OK) {
		while (len > 0 && (rev[len - 1] == '\n' || rev[len - 1] == ' ' || rev[len - 1] == '\r'))
			rev[--len] = '\0';
		/* A revision is a hash; anything else must not steer the path. */
		if (len > 0 && strchr(rev, '/') == NULL && strcmp(rev, "..") != 0)
			path = xasprintf("%s/snapshots/%s", repo, rev);
		free(rev);
	}
	free(ref);
	if (path != NULL && !is_dir(path)) {
		free(path);
		path = NULL;
	}
	return path;
}

static bool
newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec : a->tv_nsec > b->tv_nsec;
}

/* Without a usable ref: the newest snapshot folder. */
static char *
snapshot_newest(const char *repo)
{
	char *snaps = xasprintf("%s/snapshots", repo), *best = NULL, *p;
	struct timespec best_t = {0, 0};
	struct dirent *d;
	struct stat sb;
	DIR *dir = opendir(snaps);

	while (dir != NULL && (d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", snaps, d->d_name);
		if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		    (best == NULL || newer(&sb.st_mtim, &best_t))) {
			free(best);
			best = p;
			best_t = sb.st_mtim;
		} else {
			free(p);
		}
	}
	if (dir != NULL)
		closedir(dir);
	free(snaps);
	return best;
}

/* "bert-base-uncased" or "org/name"; anything else is a path that does not
 * exist, and looking it up in the cache would only confuse the message. */
static bool
hub_name_ok(const char *name)
{
	const char *slash = strchr(name, '/');

	if (name[0] == '.' || name[0] == '/' || name[0] == '~' || strstr(name, "..") != NULL)
		return false;
	return slash == NULL || (slash != name && slash[1] != '\0' && strchr(slash + 1, '/') == NULL);
}

static int
resolve_hub(const char *name, char **out, heed_err *e)
{
	const char *slash = strchr(name, '/');
	char *root, *repo, *snap;

	if (!hub_name_ok(name))
		return err_set(e, HEED_ENOTFOUND, "%s: no such model folder", name);
	root = hub_root();
	if (slash != NULL)
		repo = xasprintf("%s/models--%.*s--%s", root, (int)(slash - name), name, slash + 1);
	else
		repo = xasprintf("%s/models--%s", root, name);
	snap = snapshot_from_ref(repo);
	if (snap == NULL)
		snap = snapshot_newest(repo);
	if (snap == NULL) {
		err_set(e, HEED_ENOTFOUND,
		    "%s: not a folder and not in the Hugging Face cache (looked for %s/snapshots/; "
		    "cache root from HF_HUB_CACHE, HF_HOME or ~/.cache/huggingface). heed never "
		    "downloads: fetch it with `huggingface-cli download %s` or pass -m FOLDER",
		    name, repo, name);
		free(root);
		free(repo);
		return HEED_ENOTFOUND;
	}
	free(root);
	free(repo);
	*out = snap;
	return HEED_OK;
}

int
model_resolve(const char *arg, char **out, heed_err *e)
{
	struct stat sb;

	*out = NULL;
	if (arg == NULL || *arg == '\0')
		return resolve_bundled(out, e);
	if (is_dir(arg)) {
		*out = xstrdup(arg);
		return HEED_OK;
	}
	if (stat(arg, &sb) == 0)
		return err_set(e, HEED_ENOTFOUND, "%s: not a folder; pass the folder that holds "
		    "config.json, vocab.txt and model.safetensors", arg);
	/* a path that exists but cannot be followed: say why, not "not found" */
	if (errno == ELOOP)
		return err_set(e, HEED_ENOTFOUND, "%s: too many symbolic links (a link loop?)", arg);
	if (errno != ENOENT && errno != ENOTDIR)
		return err_set(e, HEED_ENOTFOUND, "%s: %s", arg, strerror(errno));
	return resolve_hub(arg, out, e);
}
