/* pickle.c — the pickle virtual machine, cut down to what torch.save
 * writes for a state dict, with nothing in it that can run code.
 *
 * Python's unpickler resolves a GLOBAL by importing it and a REDUCE by
 * calling it, which is how a checkpoint runs os.system.  Here a GLOBAL is
 * looked up in a table of the twelve names a state dict uses and anything
 * else is refused by name; REDUCE builds the known functions' results
 * itself (an empty dict, a tensor description) and refuses the rest.  No
 * object is ever instantiated (NEWOBJ, INST, OBJ are refused) and BUILD is
 * only accepted on a dict, whose state (nn.Module's _metadata) is dropped.
 *
 * Values live in one list owned by the machine and are freed together;
 * each opcode makes at most one, so memory is bounded by the input size.
 * Strings point into the input.  Opcodes: pickletools' names.
 */
#define _POSIX_C_SOURCE 200809L
#include "pickle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longer GLOBAL lines or names than this are not PyTorch's. */
#define PK_MAX_LINE 256
#define PK_MAX_NAME 1024

typedef enum {
	V_NONE, V_BOOL, V_INT, V_BIGINT, V_FLOAT, V_STR, V_BYTES, V_TUPLE, V_LIST, V_DICT,
	V_GLOBAL, V_STORAGE, V_TENSOR,
} vkind;

typedef struct val val;
struct val {
	vkind k;
	int64_t i;            /* BOOL, INT; GLOBAL: table index; STORAGE, TENSOR: index */
	const uint8_t *p;     /* STR, BYTES, BIGINT (little-endian two's complement) */
	size_t n;
	val **item;           /* TUPLE, LIST; DICT: key, value, key, value... */
	size_t nitem, cap;
};

/* What REDUCE and persistent ids may name. */
typedef enum { G_ODICT, G_REBUILD_TENSOR, G_REBUILD_PARAM, G_REBUILD_PARAM_STATE, G_STORAGE } gkind;
typedef enum { S_WEIGHT, S_INDEX, S_REFUSED } skind;

static const struct {
	const char *mod, *name;
	gkind g;
	skind s;
	st_dtype dtype;
	size_t elem;
	const char *dtname;   /* for messages */
} pk_globals[] = {
	{"collections", "OrderedDict", G_ODICT, 0, 0, 0, NULL},
	{"torch._utils", "_rebuild_tensor_v2", G_REBUILD_TENSOR, 0, 0, 0, NULL},
	{"torch._utils", "_rebuild_parameter", G_REBUILD_PARAM, 0, 0, 0, NULL},
	{"torch._utils", "_rebuild_parameter_with_state", G_REBUILD_PARAM_STATE, 0, 0, 0, NULL},
	{"torch", "FloatStorage", G_STORAGE, S_WEIGHT, ST_F32, 4, "F32"},
	{"torch", "HalfStorage", G_STORAGE, S_WEIGHT, ST_F16, 2, "F16"},
	{"torch", "BFloat16Storage", G_STORAGE, S_WEIGHT, ST_BF16, 2, "BF16"},
	/* integer buffers (position_ids, token_type_ids): checked, then dropped */
	{"torch", "LongStorage", G_STORAGE, S_INDEX, 0, 8, "I64"},
	{"torch", "IntStorage", G_STORAGE, S_INDEX, 0, 4, "I32"},
	{"torch", "ShortStorage", G_STORAGE, S_INDEX, 0, 2, "I16"},
	{"torch", "CharStorage", G_STORAGE, S_INDEX, 0, 1, "I8"},
	{"torch", "ByteStorage", G_STORAGE, S_INDEX, 0, 1, "U8"},
	{"torch", "BoolStorage", G_STORAGE, S_INDEX, 0, 1, "BOOL"},
	/* a float heed does not convert: an error if a tensor uses it */
	{"torch", "DoubleStorage", G_STORAGE, S_REFUSED, 0, 8, "F64"},
};
#define PK_NGLOBALS (sizeof pk_globals / sizeof pk_globals[0])

/* A tensor as _rebuild_tensor_v2 described it, checked once it has a name. */
typedef struct raw_tensor {
	int storage;
	int64_t offset;
	int ndim;
	int64_t shape[PK_MAX_DIMS], stride[PK_MAX_DIMS];
} raw_tensor;

/* Storage keys by hash (open addressing, slots hold index + 1): a file
 * may name many storages, and a linear search per persistent id would make
 * a hostile one quadratic. */
typedef struct key_index {
	int *slot;
	size_t cap;   /* a power of two, more than twice n */
	size_t n;
} key_index;

static size_t
key_home(const key_index *ix, const void *p, size_t n)
{
	return (size_t)util_hash64(p, n, 0) & (ix->cap - 1);
}

/* The storage of d keyed p[0..n), or -1. */
static int
key_find(const key_index *ix, const pk_dict *d, const void *p, size_t n)
{
	if (ix->cap == 0)
		return -1;
	for (size_t h = key_home(ix, p, n);; h = (h + 1) & (ix->cap - 1)) {
		int i = ix->slot[h] - 1;

		if (i < 0)
			return -1;
		if (strlen(d->s[i].key) == n && memcmp(d->s[i].key, p, n) == 0)
			return i;
	}
}

static void
key_put(key_index *ix, const pk_dict *d, int i)
{
	size_t h = key_home(ix, d->s[i].key, strlen(d->s[i].key));

	while (ix->slot[h] != 0)
		h = (h + 1) & (ix->cap - 1);
	ix->slot[h] = i + 1;
	ix->n++;
}

/* Storage i of d, whose key is not in ix yet. */
static void
key_add(key_index *ix, const pk_dict *d, int i)
{
	if (2 * (ix->n + 1) >= ix->cap) {
		key_index big = {NULL, ix->cap ? 2 * ix->cap : 64, 0};

		big.slot = xcalloc(big.cap, sizeof *big.slot);
		for (size_t h = 0; h < ix->cap; h++)
			if (ix->slot[h] != 0)
				key_put(&big, d, ix->slot[h] - 1);
		free(ix->slot);
		*ix = big;
	}
	key_put(ix, d, i);
}

typedef struct vm {
	const uint8_t *buf;
	size_t len, pos, op_at;
	const char *file;
	heed_err *e;
	bool legacy;          /* persistent ids have 6 fields */
	bool persid;          /* persistent ids allowed (the state dict pickle) */
	val **all;            /* every value made, for freeing */
	size_t nall, capall;
	val **stack;
	size_t sp, capstack;
	size_t *mark;
	size_t nmark, capmark;
	val **memo;           /* by key; NULL: unset */
	size_t capmemo, nmemo;
	raw_tensor *tens;
	size_t ntens, captens;
	pk_dict *d;           /* storages go here */
	key_index keys;       /* d's storages by key */
	size_t capstor;       /* room in d->s */
} vm;

#define GROW(p, n, cap) do { \
	if ((n) == (cap)) { \
		(cap) = (cap) ? 2 * (cap) : 16; \
		(p) = xrealloc((p), sizeof *(p) * (cap)); \
	} \
} while (0)

static int __attribute__((format(printf, 2, 3)))
bad(vm *m, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(m->e, HEED_EFORMAT, "%s: pickle byte %zu: %s", m->file, m->op_at, msg);
}

static val *
mk(vm *m, vkind k)
{
	val *v = xcalloc(1, sizeof *v);

	v->k = k;
	GROW(m->all, m->nall, m->capall);
	m->all[m->nall++] = v;
	return v;
}

static void
add_item(val *c, val *x)
{
	GROW(c->item, c->nitem, c->cap);
	c->item[c->nitem++] = x;
}

static void
push(vm *m, val *v)
{
	GROW(m->stack, m->sp, m->capstack);
	m->stack[m->sp++] = v;
}

/* The bottom of the values above the last MARK (0 without one). */
static size_t
base(const vm *m)
{
	return m->nmark ? m->mark[m->nmark - 1] : 0;
}

static val *
pop(vm *m)
{
	return m->sp > base(m) ? m->stack[--m->sp] : NULL;
}

static val *
top(vm *m)
{
	return m->sp > base(m) ? m->stack[m->sp - 1] : NULL;
}

/* Pop the values above the last MARK, and the MARK: they stay in
 * m->stack[*first .. *first + *n) until the next push. */
static int
pop_mark(vm *m, size_t *first, size_t *n)
{
	if (m->nmark == 0)
		return bad(m, "no MARK to pop to");
	m->nmark--;
	*first = m->mark[m->nmark];
	*n = m->sp - m->mark[m->nmark];
	m->sp = m->mark[m->nmark];
	return HEED_OK;
}

static int
need(vm *m, size_t n)
{
	if (m->len - m->pos < n)
		return bad(m, "ends inside an opcode (truncated file?)");
	return HEED_OK;
}

static uint64_t
le(const uint8_t *p, size_t n)
{
	uint64_t x = 0;

	while (n-- > 0)
		x = x << 8 | p[n];
	return x;
}

/* n little-endian bytes of argument, unsigned. */
static int
arg(vm *m, size_t n, uint64_t *x)
{
	if (need(m, n) < 0)
		return HEED_EFORMAT;
	*x = le(m->buf + m->pos, n);
	m->pos += n;
	return HEED_OK;
}

/* A string or bytes value of n bytes at the current position. */
static int
blob(vm *m, vkind k, uint64_t n)
{
	val *v;

	if (n > m->len - m->pos)
		return bad(m, "a %llu-byte string runs past the end (truncated file?)",
		    (unsigned long long)n);
	v = mk(m, k);
	v->p = m->buf + m->pos;
	v->n = (size_t)n;
	m->pos += (size_t)n;
	push(m, v);
	return HEED_OK;
}

static bool
printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

static int
find_global(vm *m, const uint8_t *mod, size_t nmod, const uint8_t *name, size_t nname)
{
	for (size_t i = 0; i < PK_NGLOBALS; i++)
		if (strlen(pk_globals[i].mod) == nmod && memcmp(pk_globals[i].mod, mod, nmod) == 0 &&
		    strlen(pk_globals[i].name) == nname && memcmp(pk_globals[i].name, name, nname) == 0) {
			val *v = mk(m, V_GLOBAL);
			v->i = (int64_t)i;
			push(m, v);
			return HEED_OK;
		}
	if (!printable(mod, nmod) || !printable(name, nname))
		return bad(m, "a global with control characters in its name; refused "
		    "(heed reads tensor state dicts and runs nothing in the file)");
	return bad(m, "refers to %.*s.%.*s, which is not part of a tensor state dict; refused "
	    "(heed reads tensor state dicts and runs nothing in the file)",
	    (int)(nmod > 64 ? 64 : nmod), (const char *)mod,
	    (int)(nname > 64 ? 64 : nname), (const char *)name);
}

/* GLOBAL: "module\nname\n". */
static int
op_global(vm *m)
{
	const uint8_t *p[2];
	size_t n[2];

	for (int k = 0; k < 2; k++) {
		const uint8_t *s = m->buf + m->pos;
		size_t avail = m->len - m->pos, lim = avail < PK_MAX_LINE ? avail : PK_MAX_LINE;
		const uint8_t *nl = memchr(s, '\n', lim);

		if (nl == NULL)
			return bad(m, avail < PK_MAX_LINE ? "ends inside a GLOBAL (truncated file?)" :
			    "a GLOBAL name longer than %d bytes", PK_MAX_LINE);
		p[k] = s;
		n[k] = (size_t)(nl - s);
		m->pos += n[k] + 1;
	}
	return find_global(m, p[0], n[0], p[1], n[1]);
}

static int
op_stack_global(vm *m)
{
	val *name = pop(m), *mod = pop(m);

	if (name == NULL || mod == NULL || name->k != V_STR || mod->k != V_STR)
		return bad(m, "STACK_GLOBAL without two strings");
	if (mod->n > PK_MAX_LINE || name->n > PK_MAX_LINE)
		return bad(m, "a global name longer than %d bytes", PK_MAX_LINE);
	return find_global(m, mod->p, mod->n, name->p, name->n);
}

static bool
is_str(const val *v, const char *s)
{
	return v != NULL && v->k == V_STR && v->n == strlen(s) && memcmp(v->p, s, v->n) == 0;
}

static const char *
kind_name(vkind k)
{
	static const char *const names[] = {
		"None", "bool", "int", "int", "float", "str", "bytes", "tuple", "list", "dict",
		"global", "storage", "tensor",
	};
	return names[k];
}

/* ('storage', torch.XStorage, key, location, numel[, view]) -> the storage. */
static int
op_persid(vm *m)
{
	val *pid = pop(m), **it;
	size_t want = m->legacy ? 6 : 5, i;
	int found;
	pk_storage *s;
	val *v;

	if (!m->persid)
		return bad(m, "a persistent id outside the state dict");
	if (pid == NULL || pid->k != V_TUPLE || pid->nitem == 0)
		return bad(m, "a persistent id that is not a tuple");
	it = pid->item;
	if (is_str(it[0], "module"))
		return bad(m, "holds a pickled nn.Module, not a state dict; save "
		    "model.state_dict() (or use save_pretrained)");
	if (!is_str(it[0], "storage") || pid->nitem != want)
		return bad(m, "a persistent id other than ('storage', type, key, location, numel%s)",
		    m->legacy ? ", view" : "");
	if (it[1]->k != V_GLOBAL || pk_globals[it[1]->i].g != G_STORAGE)
		return bad(m, "a storage whose type is not a torch.*Storage");
	if (it[2]->k != V_STR || it[2]->n == 0 || it[2]->n > 64 || !printable(it[2]->p, it[2]->n) ||
	    memchr(it[2]->p, '/', it[2]->n) != NULL)
		return bad(m, "a storage key that is not a short plain string");
	if (it[3]->k != V_STR)
		return bad(m, "a storage location that is not a string");
	if (it[4]->k != V_INT || it[4]->i < 0 ||
	    (uint64_t)it[4]->i > SIZE_MAX / pk_globals[it[1]->i].elem)
		return bad(m, "a storage size that is not a count of elements");
	if (m->legacy && it[5]->k != V_NONE)
		return bad(m, "a storage view (torch < 0.4 checkpoints); re-save it with a newer torch");
	found = key_find(&m->keys, m->d, it[2]->p, it[2]->n);
	if (found < 0) {
		i = (size_t)m->d->ns;
		if (i == m->capstor)
			m->d->s = xrealloc(m->d->s, sizeof *m->d->s *
			    (m->capstor = m->capstor ? 2 * m->capstor : 16));
		s = &m->d->s[m->d->ns++];
		memset(s, 0, sizeof *s);
		s->key = xasprintf("%.*s", (int)it[2]->n, (const char *)it[2]->p);
		s->type = pk_globals[it[1]->i].name;
		s->elem = pk_globals[it[1]->i].elem;
		s->numel = (uint64_t)it[4]->i;
		s->weight = pk_globals[it[1]->i].s == S_WEIGHT;
		s->dtype = pk_globals[it[1]->i].dtype;
		key_add(&m->keys, m->d, (int)i);
	} else {
		i = (size_t)found;
		s = &m->d->s[i];
		if (strcmp(s->type, pk_globals[it[1]->i].name) != 0 || s->numel != (uint64_t)it[4]->i)
			return bad(m, "storage %s is named twice with different types or sizes", s->key);
	}
	v = mk(m, V_STORAGE);
	v->i = (int64_t)i;
	push(m, v);
	return HEED_OK;
}

/* A tuple of at most PK_MAX_DIMS non-negative ints into d. */
static int
int_tuple(vm *m, const val *t, int64_t *d, int *nd, const char *what)
{
	if (t->k != V_TUPLE)
		return bad(m, "a tensor %s that is not a tuple", what);
	if (t->nitem > PK_MAX_DIMS)
		return bad(m, "a tensor with %zu dimensions (heed reads at most %d)", t->nitem,
		    PK_MAX_DIMS);
	for (size_t i = 0; i < t->nitem; i++) {
		if (t->item[i]->k != V_INT || t->item[i]->i < 0)
			return bad(m, "a tensor %s that is not a tuple of non-negative ints", what);
		d[i] = t->item[i]->i;
	}
	*nd = (int)t->nitem;
	return HEED_OK;
}

/* _rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
 * backward_hooks[, metadata]): recorded, checked when it has a name. */
static int
rebuild_tensor(vm *m, const val *a)
{
	raw_tensor t;
	int nstride;
	val *v;

	if (a->nitem != 6 && a->nitem != 7)
		return bad(m, "_rebuild_tensor_v2 with %zu arguments", a->nitem);
	if (a->item[0]->k != V_STORAGE || a->item[1]->k != V_INT || a->item[1]->i < 0 ||
	    a->item[4]->k != V_BOOL || a->item[5]->k != V_DICT ||
	    (a->nitem == 7 && a->item[6]->k != V_DICT && a->item[6]->k != V_NONE))
		return bad(m, "_rebuild_tensor_v2 with arguments of the wrong types");
	t.storage = (int)a->item[0]->i;
	t.offset = a->item[1]->i;
	if (int_tuple(m, a->item[2], t.shape, &t.ndim, "size") < 0 ||
	    int_tuple(m, a->item[3], t.stride, &nstride, "stride") < 0)
		return HEED_EFORMAT;
	if (nstride != t.ndim)
		return bad(m, "a tensor with %d sizes and %d strides", t.ndim, nstride);
	GROW(m->tens, m->ntens, m->captens);
	m->tens[m->ntens] = t;
	v = mk(m, V_TENSOR);
	v->i = (int64_t)m->ntens++;
	push(m, v);
	return HEED_OK;
}

static int
op_reduce(vm *m)
{
	val *args = pop(m), *fn = pop(m), *v;

	if (args == NULL || fn == NULL || args->k != V_TUPLE)
		return bad(m, "REDUCE without a callable and an argument tuple");
	if (fn->k != V_GLOBAL)
		return bad(m, "REDUCE of a %s, which is not callable", kind_name(fn->k));
	switch (pk_globals[fn->i].g) {
	case G_ODICT:
		if (args->nitem != 0)
			return bad(m, "collections.OrderedDict called with arguments");
		push(m, mk(m, V_DICT));
		return HEED_OK;
	case G_REBUILD_TENSOR:
		return rebuild_tensor(m, args);
	case G_REBUILD_PARAM:
	case G_REBUILD_PARAM_STATE:
		/* (tensor, requires_grad, backward_hooks[, state]): the tensor */
		if (args->nitem != (pk_globals[fn->i].g == G_REBUILD_PARAM ? 3u : 4u) ||
		    args->item[0]->k != V_TENSOR)
			return bad(m, "%s without a tensor", pk_globals[fn->i].name);
		v = args->item[0];
		push(m, v);
		return HEED_OK;
	case G_STORAGE:
		break;
	}
	return bad(m, "REDUCE of %s.%s; heed only calls the tensor rebuild functions "
	    "(nothing in the file is run)", pk_globals[fn->i].mod, pk_globals[fn->i].name);
}

static int
op_build(vm *m)
{
	val *state = pop(m), *obj = top(m);

	if (state == NULL || obj == NULL)
		return bad(m, "BUILD on an empty stack");
	/* nn.Module.state_dict()'s _metadata: versions heed has no use for */
	if (obj->k != V_DICT)
		return bad(m, "BUILD on a %s (only a state dict's metadata is accepted)",
		    kind_name(obj->k));
	return HEED_OK;
}

static int
op_tuple(vm *m, size_t n)
{
	val *t = mk(m, V_TUPLE);
	size_t first;

	if (n == SIZE_MAX) {
		if (pop_mark(m, &first, &n) < 0)
			return HEED_EFORMAT;
	} else {
		if (m->sp - base(m) < n)
			return bad(m, "TUPLE%zu on a stack of %zu", n, m->sp - base(m));
		m->sp -= n;
		first = m->sp;
	}
	for (size_t i = 0; i < n; i++)
		add_item(t, m->stack[first + i]);
	push(m, t);
	return HEED_OK;
}

/* APPENDS / SETITEMS / LIST / DICT: the values above the MARK into the
 * list or dict below it, or (fresh) into a new one. */
static int
fill_from_mark(vm *m, vkind k, bool fresh)
{
	size_t first, n;
	val *c;

	if (pop_mark(m, &first, &n) < 0)
		return HEED_EFORMAT;
	if (k == V_DICT && n % 2 != 0)
		return bad(m, "a dict built from an odd number of values");
	if (fresh)
		c = mk(m, k);
	else if ((c = top(m)) == NULL || c->k != k)
		return bad(m, "%s on a %s", k == V_LIST ? "APPENDS" : "SETITEMS",
		    c ? kind_name(c->k) : "empty stack");
	/* the popped values are still there: nothing was pushed since */
	for (size_t i = 0; i < n; i++)
		add_item(c, m->stack[first + i]);
	if (fresh)
		push(m, c);
	return HEED_OK;
}

static int
memo_put(vm *m, uint64_t key)
{
	val *v = top(m);

	if (v == NULL)
		return bad(m, "PUT on an empty stack");
	/* a pickler numbers its memo from 0; a key past the input's size is junk */
	if (key >= m->len)
		return bad(m, "memo key %llu out of range", (unsigned long long)key);
	if (key >= m->capmemo) {
		size_t cap = m->capmemo ? m->capmemo : 64;

		while (cap <= key)
			cap *= 2;
		m->memo = xrealloc(m->memo, sizeof *m->memo * cap);
		memset(m->memo + m->capmemo, 0, sizeof *m->memo * (cap - m->capmemo));
		m->capmemo = cap;
	}
	if (m->memo[key] == NULL)
		m->nmemo++;
	m->memo[key] = v;
	return HEED_OK;
}

static int
memo_get(vm *m, uint64_t key)
{
	if (key >= m->capmemo || m->memo[key] == NULL)
		return bad(m, "GET of memo key %llu, never PUT", (unsigned long long)key);
	push(m, m->memo[key]);
	return HEED_OK;
}

static int
op_int(vm *m, size_t n, bool is_signed)
{
	uint64_t x;
	val *v;

	if (arg(m, n, &x) < 0)
		return HEED_EFORMAT;
	v = mk(m, V_INT);
	if (is_signed && n < 8 && (x >> (8 * n - 1)) & 1)
		x |= ~(uint64_t)0 << (8 * n);
	v->i = (int64_t)x;
	push(m, v);
	return HEED_OK;
}

/* LONG1 / LONG4: little-endian two's complement of any length.  Up to 8
 * bytes it is an int; longer ones (the legacy magic number) are kept raw. */
static int
op_long(vm *m, size_t lenbytes)
{
	uint64_t n;
	val *v;

	if (arg(m, lenbytes, &n) < 0)
		return HEED_EFORMAT;
	if (n > m->len - m->pos)
		return bad(m, "a %llu-byte integer runs past the end", (unsigned long long)n);
	if (n > 8)
		return blob(m, V_BIGINT, n);
	v = mk(m, V_INT);
	v->i = (int64_t)le(m->buf + m->pos, (size_t)n);
	if (n > 0 && n < 8 && (m->buf[m->pos + n - 1] & 0x80))
		v->i = (int64_t)((uint64_t)v->i | ~(uint64_t)0 << (8 * n));
	m->pos += (size_t)n;
	push(m, v);
	return HEED_OK;
}

static int
op_string(vm *m, vkind k, size_t lenbytes)
{
	uint64_t n;

	if (arg(m, lenbytes, &n) < 0)
		return HEED_EFORMAT;
	return blob(m, k, n);
}

/* One opcode; *stop set at STOP. */
static int
step(vm *m, val **result)
{
	uint8_t op;
	uint64_t x;
	val *v;

	m->op_at = m->pos;
	if (m->pos >= m->len)
		return bad(m, "ends before STOP (truncated file?)");
	op = m->buf[m->pos++];
	switch (op) {
	case 0x80: /* PROTO */
		if (arg(m, 1, &x) < 0)
			return HEED_EFORMAT;
		if (x < 2 || x > 5)
			return bad(m, "pickle protocol %llu (torch.save writes 2)", (unsigned long long)x);
		return HEED_OK;
	case 0x95: /* FRAME: a length hint */
		return arg(m, 8, &x);
	case '.': /* STOP */
		if ((*result = pop(m)) == NULL)
			return bad(m, "STOP on an empty stack");
		return HEED_OK;
	case '(': /* MARK */
		GROW(m->mark, m->nmark, m->capmark);
		m->mark[m->nmark++] = m->sp;
		return HEED_OK;
	case '0': /* POP: a value, or the MARK when none is above it */
		if (pop(m) == NULL) {
			size_t first, n;
			return pop_mark(m, &first, &n);
		}
		return HEED_OK;
	case '1': { /* POP_MARK */
		size_t first, n;
		return pop_mark(m, &first, &n);
	}
	case '2': /* DUP */
		if ((v = top(m)) == NULL)
			return bad(m, "DUP on an empty stack");
		push(m, v);
		return HEED_OK;
	case 'N':
		push(m, mk(m, V_NONE));
		return HEED_OK;
	case 0x88: /* NEWTRUE */
	case 0x89: /* NEWFALSE */
		v = mk(m, V_BOOL);
		v->i = op == 0x88;
		push(m, v);
		return HEED_OK;
	case 'J': return op_int(m, 4, true);   /* BININT */
	case 'K': return op_int(m, 1, false);  /* BININT1 */
	case 'M': return op_int(m, 2, false);  /* BININT2 */
	case 0x8a: return op_long(m, 1);       /* LONG1 */
	case 0x8b: return op_long(m, 4);       /* LONG4 */
	case 'G': /* BINFLOAT: big-endian double; only ever metadata */
		if (need(m, 8) < 0)
			return HEED_EFORMAT;
		m->pos += 8;
		push(m, mk(m, V_FLOAT));
		return HEED_OK;
	case 'X': return op_string(m, V_STR, 4);     /* BINUNICODE */
	case 0x8c: return op_string(m, V_STR, 1);    /* SHORT_BINUNICODE */
	case 0x8d: return op_string(m, V_STR, 8);    /* BINUNICODE8 */
	case 'T': return op_string(m, V_STR, 4);     /* BINSTRING (Python 2 str) */
	case 'U': return op_string(m, V_STR, 1);     /* SHORT_BINSTRING */
	case 'B': return op_string(m, V_BYTES, 4);   /* BINBYTES */
	case 'C': return op_string(m, V_BYTES, 1);   /* SHORT_BINBYTES */
	case 0x8e: return op_string(m, V_BYTES, 8);  /* BINBYTES8 */
	case ')': return op_tuple(m, 0);             /* EMPTY_TUPLE */
	case 't': return op_tuple(m, SIZE_MAX);      /* TUPLE */
	case 0x85: return op_tuple(m, 1);            /* TUPLE1 */
	case 0x86: return op_tuple(m, 2);            /* TUPLE2 */
	case 0x87: return op_tuple(m, 3);            /* TUPLE3 */
	case ']': /* EMPTY_LIST */
		push(m, mk(m, V_LIST));
		return HEED_OK;
	case '}': /* EMPTY_DICT */
		push(m, mk(m, V_DICT));
		return HEED_OK;
	case 'l': return fill_from_mark(m, V_LIST, true);   /* LIST */
	case 'd': return fill_from_mark(m, V_DICT, true);   /* DICT */
	case 'e': return fill_from_mark(m, V_LIST, false);  /* APPENDS */
	case 'u': return fill_from_mark(m, V_DICT, false);  /* SETITEMS */
	case 'a': { /* APPEND */
		val *x1 = pop(m), *c = top(m);
		if (x1 == NULL || c == NULL || c->k != V_LIST)
			return bad(m, "APPEND without a list");
		add_item(c, x1);
		return HEED_OK;
	}
	case 's': { /* SETITEM */
		val *value = pop(m), *key = pop(m), *c = top(m);
		if (value == NULL || key == NULL || c == NULL || c->k != V_DICT)
			return bad(m, "SETITEM without a dict");
		add_item(c, key);
		add_item(c, value);
		return HEED_OK;
	}
	case 'c': return op_global(m);              /* GLOBAL */
	case 0x93: return op_stack_global(m);       /* STACK_GLOBAL */
	case 'R': return op_reduce(m);              /* REDUCE */
	case 'b': return op_build(m);               /* BUILD */
	case 'Q': return op_persid(m);              /* BINPERSID */
	case 'q': /* BINPUT */
		return arg(m, 1, &x) < 0 ? HEED_EFORMAT : memo_put(m, x);
	case 'r': /* LONG_BINPUT */
		return arg(m, 4, &x) < 0 ? HEED_EFORMAT : memo_put(m, x);
	case 0x94: /* MEMOIZE */
		return memo_put(m, m->nmemo);
	case 'h': /* BINGET */
		return arg(m, 1, &x) < 0 ? HEED_EFORMAT : memo_get(m, x);
	case 'j': /* LONG_BINGET */
		return arg(m, 4, &x) < 0 ? HEED_EFORMAT : memo_get(m, x);
	case 0x81: case 0x92: case 'i': case 'o':
		return bad(m, "opcode %s builds an object; refused (heed reads tensor state "
		    "dicts and runs nothing in the file)",
		    op == 0x81 ? "NEWOBJ" : op == 0x92 ? "NEWOBJ_EX" : op == 'i' ? "INST" : "OBJ");
	default:
		return bad(m, "opcode 0x%02x is not one a tensor state dict uses; refused", op);
	}
}

/* Run one pickle from buf[*pos]; the result stays valid until vm_free. */
static int
vm_run(vm *m, size_t *pos, val **result)
{
	int rc = HEED_OK;

	m->pos = *pos;
	m->sp = m->nmark = m->nmemo = 0;
	if (m->capmemo)
		memset(m->memo, 0, sizeof *m->memo * m->capmemo);
	*result = NULL;
	while (*result == NULL && (rc = step(m, result)) == HEED_OK)
		;
	*pos = m->pos;
	return rc;
}

static void
vm_init(vm *m, const uint8_t *buf, size_t len, const char *file, bool legacy, pk_dict *d,
	heed_err *e)
{
	memset(m, 0, sizeof *m);
	m->buf = buf;
	m->len = len;
	m->file = file;
	m->legacy = legacy;
	m->d = d;
	m->e = e;
}

static void
vm_free(vm *m)
{
	for (size_t i = 0; i < m->nall; i++) {
		free(m->all[i]->item);
		free(m->all[i]);
	}
	free(m->all);
	free(m->stack);
	free(m->mark);
	free(m->memo);
	free(m->tens);
	free(m->keys.slot);
}

/* Name for messages: printable, at most PK_MAX_NAME bytes, no NUL. */
static bool
name_ok(const val *k)
{
	return k->k == V_STR && k->n > 0 && k->n <= PK_MAX_NAME && printable(k->p, k->n);
}

/* A tensor description against its storage: contiguous (torch.save keeps
 * a view's strides, and heed reads rows in order) and inside it. */
static int
check_tensor(vm *m, const raw_tensor *t, const char *name, uint64_t *count)
{
	const pk_storage *s = &m->d->s[t->storage];
	uint64_t want = 1, n = 1;

	for (int i = t->ndim - 1; i >= 0; i--) {
		if (t->shape[i] != 1 && t->stride[i] != (int64_t)want)
			return err_set(m->e, HEED_EFORMAT, "%s: tensor %s is not contiguous (a view "
			    "saved as is); re-save it with .contiguous()", m->file, name);
		if (t->shape[i] != 0 && want > INT64_MAX / (uint64_t)t->shape[i])
			return err_set(m->e, HEED_EFORMAT, "%s: tensor %s: shape product overflows",
			    m->file, name);
		want *= (uint64_t)t->shape[i];
	}
	n = want;
	if ((uint64_t)t->offset > s->numel || n > s->numel - (uint64_t)t->offset)
		return err_set(m->e, HEED_EFORMAT, "%s: tensor %s: %llu elements from offset %lld "
		    "run past its storage of %llu", m->file, name, (unsigned long long)n,
		    (long long)t->offset, (unsigned long long)s->numel);
	*count = n;
	return HEED_OK;
}

/* The state dict: a dict of name -> tensor. */
static int
collect(vm *m, const val *root, pk_dict *d)
{
	if (root->k != V_DICT)
		return err_set(m->e, HEED_EFORMAT, "%s: holds a pickled %s, not a state dict of "
		    "tensors", m->file, kind_name(root->k));
	d->t = xcalloc(root->nitem / 2 + 1, sizeof *d->t);
	for (size_t i = 0; i + 1 < root->nitem; i += 2) {
		const val *k = root->item[i], *v = root->item[i + 1];
		char name[PK_MAX_NAME + 1];
		const raw_tensor *t;
		uint64_t count;
		pk_tensor *o;

		if (!name_ok(k))
			return err_set(m->e, HEED_EFORMAT, "%s: a state dict key that is not a "
			    "printable string", m->file);
		snprintf(name, sizeof name, "%.*s", (int)k->n, (const char *)k->p);
		if (v->k != V_TENSOR)
			return err_set(m->e, HEED_EFORMAT, "%s: state dict entry %s is a %s, not a "
			    "tensor", m->file, name, kind_name(v->k));
		t = &m->tens[v->i];
		if (check_tensor(m, t, name, &count) < 0)
			return HEED_EFORMAT;
		if (!d->s[t->storage].weight) {
			for (size_t g = 0; g < PK_NGLOBALS; g++)
				if (pk_globals[g].s == S_REFUSED &&
				    strcmp(pk_globals[g].name, d->s[t->storage].type) == 0)
					return err_set(m->e, HEED_EFORMAT, "%s: tensor %s has dtype %s; "
					    "heed reads F32, F16 and BF16 weights", m->file, name,
					    pk_globals[g].dtname);
			continue;
		}
		o = &d->t[d->nt++];
		o->name = xstrdup(name);
		o->storage = t->storage;
		o->offset = (uint64_t)t->offset;
		o->ndim = t->ndim;
		memcpy(o->shape, t->shape, sizeof o->shape);
	}
	return HEED_OK;
}

int
pk_state_dict(const uint8_t *buf, size_t len, const char *file, bool legacy, size_t *used,
	      pk_dict *d, heed_err *e)
{
	size_t pos = 0;
	val *root;
	vm m;
	int rc;

	memset(d, 0, sizeof *d);
	vm_init(&m, buf, len, file, legacy, d, e);
	m.persid = true;
	rc = vm_run(&m, &pos, &root);
	if (rc == HEED_OK)
		rc = collect(&m, root, d);
	vm_free(&m);
	if (rc < 0)
		pk_dict_free(d);
	*used = pos;
	return rc;
}

int
pk_legacy_header(const uint8_t *buf, size_t len, const char *file, size_t *used, heed_err *e)
{
	static const uint8_t magic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
	pk_dict none = {0};
	size_t pos = 0;
	val *v;
	vm m;
	int rc;

	vm_init(&m, buf, len, file, true, &none, e);
	rc = vm_run(&m, &pos, &v);
	if (rc == HEED_OK && (v->k != V_BIGINT || v->n != 10 || memcmp(v->p, magic, 10) != 0))
		rc = err_set(e, HEED_EFORMAT, "%s: not a PyTorch file (no magic number)", file);
	if (rc == HEED_OK && (rc = vm_run(&m, &pos, &v)) == HEED_OK &&
	    (v->k != V_INT || v->i != 1001))
		rc = err_set(e, HEED_EFORMAT, "%s: PyTorch legacy protocol version is not 1001", file);
	if (rc == HEED_OK && (rc = vm_run(&m, &pos, &v)) == HEED_OK) {
		if (v->k != V_DICT)
			rc = err_set(e, HEED_EFORMAT, "%s: the legacy sys_info is not a dict", file);
		for (size_t i = 0; rc == HEED_OK && i + 1 < v->nitem; i += 2)
			if (is_str(v->item[i], "little_endian") &&
			    (v->item[i + 1]->k != V_BOOL || v->item[i + 1]->i != 1))
				rc = err_set(e, HEED_EFORMAT, "%s: written on a big-endian machine; "
				    "heed reads little-endian checkpoints", file);
	}
	vm_free(&m);
	*used = pos;
	return rc;
}

int
pk_storage_keys(const uint8_t *buf, size_t len, const char *file, const pk_dict *d,
		size_t *used, int **order, int *n, heed_err *e)
{
	key_index ix = {NULL, 0, 0};
	bool *seen = NULL;
	pk_dict none = {0};
	size_t pos = 0;
	val *v;
	vm m;
	int rc;

	*order = NULL;
	*n = 0;
	vm_init(&m, buf, len, file, true, &none, e);
	rc = vm_run(&m, &pos, &v);
	if (rc == HEED_OK && v->k != V_LIST)
		rc = err_set(e, HEED_EFORMAT, "%s: the storage key list is not a list", file);
	if (rc == HEED_OK) {
		*order = xcalloc(v->nitem + 1, sizeof **order);
		seen = xcalloc((size_t)d->ns + 1, sizeof *seen);
		for (int j = 0; j < d->ns; j++)
			key_add(&ix, d, j);
	}
	for (size_t i = 0; rc == HEED_OK && i < v->nitem; i++) {
		const val *k = v->item[i];
		int j = k->k == V_STR ? key_find(&ix, d, k->p, k->n) : -1;

		if (j < 0)
			rc = err_set(e, HEED_EFORMAT, "%s: the storage key list names a storage "
			    "no tensor uses", file);
		else if (seen[j])
			rc = err_set(e, HEED_EFORMAT, "%s: storage %s listed twice", file,
			    d->s[j].key);
		else
			seen[j] = true, (*order)[(*n)++] = j;
	}
	free(seen);
	free(ix.slot);
	vm_free(&m);
	if (rc < 0) {
		free(*order);
		*order = NULL;
		*n = 0;
	}
	*used = pos;
	return rc;
}

int
pk_to_st(pk_dict *d, const char *file, st_file *f, heed_err *e)
{
	static const uint8_t empty[1];

	memset(f, 0, sizeof *f);
	for (int i = 0; i < d->ns; i++)
		if (d->s[i].data == NULL && d->s[i].numel > 0)
			return err_set(e, HEED_EFORMAT, "%s: storage %s has no data", file,
			    d->s[i].key);
	f->t = xcalloc((size_t)d->nt + 1, sizeof *f->t);
	for (int i = 0; i < d->nt; i++) {
		const pk_tensor *t = &d->t[i];
		const pk_storage *s = &d->s[t->storage];
		st_tensor *o = &f->t[i];
		size_t count = 1;

		for (int k = 0; k < t->ndim; k++)
			count *= (size_t)t->shape[k];
		o->name = t->name;
		d->t[i].name = NULL;  /* moved */
		o->dtype = s->dtype;
		o->ndim = t->ndim;
		memcpy(o->shape, t->shape, sizeof o->shape);
		o->nbytes = count * s->elem;
		o->data = count > 0 ? s->data + t->offset * s->elem : empty;
	}
	f->n = d->nt;
	return HEED_OK;
}

void
pk_dict_free(pk_dict *d)
{
	for (int i = 0; i < d->ns; i++)
		free(d->s[i].key);
	for (int i = 0; i < d->nt; i++)
		free(d->t[i].name);
	free(d->s);
	free(d->t);
	memset(d, 0, sizeof *d);
}
