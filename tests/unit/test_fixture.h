/* test_fixture.h — what the tests against the float64 reference's golden
 * files share (test_enc.c, test_imp.c): a fixture's JSON document, the
 * model folder it names (relative to root) loaded with that folder's own
 * tokenizer, and a number from a JSON array.  Header-only: each test is
 * one program. */
#ifndef TEST_FIXTURE_H
#define TEST_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>
#include <jansson.h>

#include "heed/model.h"
#include "heed/tok.h"

/* Load json_path and the model its "model" names under root; false when
 * the file is absent (a fixture generated only once its weights exist).
 * A model or tokenizer that does not load fails the test. */
static inline bool
test_fixture_load(const char *json_path, const char *root, json_t **doc, model **m,
		  tok_vocab **v)
{
	char dir[2048];
	json_error_t jerr;
	heed_err e;

	*doc = json_load_file(json_path, 0, &jerr);
	if (*doc == NULL)
		return false;
	snprintf(dir, sizeof dir, "%s/%s", root, json_string_value(json_object_get(*doc, "model")));
	if (model_load(dir, m, &e) < 0)
		fail_msg("%s: %s", dir, e.msg);
	/* the folder's tokenizer: tokenizer.json where the family ships one */
	if (tok_load(dir, v, &e) != HEED_OK)
		fail_msg("%s: %s", dir, e.msg);
	return true;
}

static inline void
test_fixture_free(json_t *doc, model *m, tok_vocab *v)
{
	tok_vocab_free(v);
	model_free(m);
	json_decref(doc);
}

/* Element i of a JSON array of numbers. */
static inline double
num(const json_t *a, size_t i)
{
	return json_number_value(json_array_get(a, i));
}

#endif
