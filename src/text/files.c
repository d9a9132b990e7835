/* files.c — which files a tokenizer comes from.  In a model folder the
 * order is transformers' for fast tokenizers: tokenizer.json first, then
 * the slow files (here vocab.txt); tokenizer_config.json names the mask
 * token when the tokenizer itself does not make it plain.
 */
#include "heed/tok.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

static bool
is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Prefix the message with the file's name when the parser did not. */
static int
name_error(heed_err *e, int rc, const char *path)
{
	char msg[sizeof e->msg];

	if (e != NULL && strncmp(e->msg, path, strlen(path)) != 0) {
		memcpy(msg, e->msg, sizeof msg);
		err_set(e, rc, "%s: %s", path, msg);
	}
	return rc;
}

static int
load_file(const char *path, tok_vocab **out, heed_err *e)
{
	char *buf;
	size_t len;
	int rc;

	rc = util_read_file(path, &buf, &len, e);
	if (rc < 0)
		return rc;
	if (ends_with(path, ".json"))
		rc = tok_json_parse(buf, len, path, out, e);
	else
		rc = tok_wordpiece_from_lines(buf, len, out, e);
	free(buf);
	if (rc < 0)
		return name_error(e, rc, path);
	if ((*out)->source == NULL)
		(*out)->source = xstrdup(path);
	return HEED_OK;
}

/* tokenizer_config.json's mask_token: a string or {"content": ...}. */
static void
config_mask(tok_vocab *v, const char *dir)
{
	char *path = xasprintf("%s/tokenizer_config.json", dir);
	json_t *root = is_file(path) ? json_load_file(path, 0, NULL) : NULL;
	const json_t *m = json_object_get(root, "mask_token");
	const char *s = json_is_string(m) ? json_string_value(m)
					  : json_string_value(json_object_get(m, "content"));
	int id;

	if (s != NULL && (id = tok_id(v, s)) >= 0 && id != v->sp.mask) {
		v->sp.mask = id;
		for (int i = 0; i < v->nadded; i++)
			if (v->added[i].nocase)
				v->added[i].id = id;
	}
	json_decref(root);
	free(path);
}

int
tok_load(const char *path, tok_vocab **out, heed_err *e)
{
	static const char *const names[] = { "tokenizer.json", "vocab.txt" };
	struct stat sb;
	char *p;
	size_t i;
	int rc;

	*out = NULL;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return load_file(path, out, e);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		p = xasprintf("%s/%s", path, names[i]);
		if (is_file(p)) {
			rc = load_file(p, out, e);
			free(p);
			if (rc == HEED_OK)
				config_mask(*out, path);
			return rc;
		}
		free(p);
	}
	return err_set(e, HEED_EFORMAT, "%s: no tokenizer.json or vocab.txt", path);
}

int
tok_vocab_load(const char *path, tok_vocab **out, heed_err *e)
{
	return tok_load(path, out, e);
}
