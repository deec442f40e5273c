/* lawsearch._speedups: the per-occurrence and per-posting loops of highlight.py and ranking.py, and the
 * sentence model's activation of semantic.py, compiled.
 *
 * Each function does what a Python function does and returns the same results (tests/test_speedups.py compares
 * them on the reports and laws and on generated inputs); lawsearch.compiled imports this module when the build
 * could compile it (hatch_build.py), and without it lawsearch runs the Python, more slowly.
 *
 *   page_spans      highlight.page_spans: a page's term occurrences that are tokens, merged into spans
 *   best_fragments  highlight._best_fragments: the best sentences of a passage for its spans
 *   section_spans   Matcher.section_spans for each section path of a page, from the headings' stored tokens
 *   add_postings    ranking._add_postings: BM25F's sum of the terms' table entries (the same floats)
 *   top             search._top: the positions of the k best scores, for a page
 *   dictionary_index, dictionary_frequency
 *                   analysis._read_frequencies: a jieba dictionary's word frequencies, looked up in the file
 *   gelu            semantic._gelu: the sentence model's activation, in place (the same floats)
 *
 * Spans and fragments are made as models.trusted_span and trusted_fragment make them: the object, with its
 * slots set. Whatever a function does not handle it leaves to the Python (NotImplemented) or refuses with
 * TypeError/ValueError; it never reads memory its arguments do not own.
 *
 * page_spans(text, starts, rules, found, bases, span_type, inner, known):
 *   text       the folded texts of a page joined by PASSAGE_SEPARATOR (a word start, no word character)
 *   starts     one byte per character of text, 1 where a word of the accurate cut starts
 *   rules      (term, length, compound pattern or None, may match inside a longer word) per query term;
 *              compound terms are skipped here: their occurrences come in `found`
 *   found      other occurrences (start, -end, term): compound terms, phrases, citations
 *   bases      where each joined text begins in text
 *   span_type  lawsearch.models.Span
 *   inner      inner(word): the sub-words (start, end, sub-word) indexing adds inside that word, for a sub-word
 *              occurrence (few); None to accept every dictionary word inside a word
 *   known      the dictionary's dict word -> inner(word), looked in first (no call for a word seen before)
 * One pass over the text finds every rule's occurrences already in (start, longer first) order, so the merge
 * needs no sort unless `found` adds occurrences.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <math.h>
#include <structmember.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    Py_ssize_t start, end;
    PyObject *term; /* borrowed: owned by rules or found, which outlive the call */
} Occurrence;

typedef struct {
    Occurrence *items;
    Py_ssize_t size, capacity;
} Occurrences;

typedef struct {
    PyObject *term;
    Py_ssize_t length;
    Py_UCS4 first;
    int inside; /* may match inside a longer word (a sub-word) */
} Rule;

static int push(Occurrences *list, Py_ssize_t start, Py_ssize_t end, PyObject *term) {
    if (list->size == list->capacity) {
        Py_ssize_t capacity = list->capacity ? list->capacity * 2 : 256;
        Occurrence *items = PyMem_Realloc(list->items, (size_t)capacity * sizeof(Occurrence));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->size++] = (Occurrence){start, end, term};
    return 0;
}

/* Was the function `name` called with `expected` arguments? If not, a TypeError saying so. */
static int has_arguments(const char *name, Py_ssize_t nargs, Py_ssize_t expected) {
    if (nargs == expected) return 1;
    PyErr_Format(PyExc_TypeError, "%s takes %zd arguments, got %zd", name, expected, nargs);
    return 0;
}

/* (start, -end, term) order, as Python sorts the tuples */
static int by_start_longer_first(const void *a, const void *b) {
    const Occurrence *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end > y->end ? -1 : 1;
    return PyUnicode_Compare(x->term, y->term);
}

static int longer_first(const void *a, const void *b) {
    const Rule *x = a, *y = b;
    return (x->length < y->length) - (x->length > y->length);
}

/* A value type of three slots (Span: start, end, term; Fragment: start, end, spans) with where its slots are. */
typedef struct {
    PyTypeObject *type;
    Py_ssize_t slots[3];
} Slotted;

/* The slots of `type` named `names`; -1 with TypeError when it lacks one. */
static int slotted(PyObject *type, const char *const names[3], Slotted *out) {
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "lawsearch._speedups: a value type is needed");
        return -1;
    }
    out->type = (PyTypeObject *)type;
    for (int i = 0; i < 3; i++) {
        out->slots[i] = -1;
        for (PyMemberDef *member = out->type->tp_members; member != NULL && member->name != NULL; member++) {
            if (strcmp(member->name, names[i]) == 0 && member->type == T_OBJECT_EX) out->slots[i] = member->offset;
        }
        if (out->slots[i] < 0) {
            PyErr_Format(PyExc_TypeError, "lawsearch._speedups: %s has no slot %s", out->type->tp_name, names[i]);
            return -1;
        }
    }
    return 0;
}

static const char *const SPAN_SLOTS[3] = {"start", "end", "term"};
static const char *const FRAGMENT_SLOTS[3] = {"start", "end", "spans"};

/* A slot of an object of the value type. */
#define SLOT(object, value_type, i) (*(PyObject **)((char *)(object) + (value_type)->slots[i]))

/* An object of the value type with start, end and `last` (a reference it takes) in its slots, as
 * models.trusted_span and trusted_fragment make them. */
static PyObject *make(const Slotted *value_type, Py_ssize_t start, Py_ssize_t end, PyObject *last) {
    PyObject *first = PyLong_FromSsize_t(start), *second = PyLong_FromSsize_t(end);
    PyObject *made = first != NULL && second != NULL ? value_type->type->tp_alloc(value_type->type, 0) : NULL;
    if (made == NULL) {
        Py_XDECREF(first);
        Py_XDECREF(second);
        Py_DECREF(last);
        return NULL;
    }
    SLOT(made, value_type, 0) = first;
    SLOT(made, value_type, 1) = second;
    SLOT(made, value_type, 2) = last;
    return made;
}

/* The sub-words indexing adds inside a word, as (start, end, sub-word) tuples: `known` (the dictionary's cache,
 * a dict word -> tuple) or, for a word not in it, `inner(word)`. A new reference, or NULL with an exception. */
typedef struct {
    PyObject *inner; /* callable, or None: every dictionary word inside a word is one of its tokens */
    PyObject *known; /* dict */
} Inside;

/* Is the occurrence of rule at `at` one of the text's tokens? No word starts inside it (it does not straddle two
 * words), and it is a whole word, or a sub-word indexing adds at that place of its word (`inside`). The text's end
 * ends a word. -1 with an exception set if `inner` raised. */
static inline int is_token(PyObject *text, const char *starts, Py_ssize_t n, Py_ssize_t at, const Rule *rule,
                           const Inside *inside) {
    Py_ssize_t end = at + rule->length;
    for (Py_ssize_t i = at + 1; i < end; i++) {
        if (starts[i]) return 0;
    }
    if (starts[at] && (end == n || starts[end])) return 1;
    if (!rule->inside) return 0;
    if (inside->inner == Py_None) return 1;
    Py_ssize_t first = at, last = end; /* the word around it: from its start to the next word's */
    while (first > 0 && !starts[first]) first--;
    while (last < n && !starts[last]) last++;
    PyObject *word = PyUnicode_Substring(text, first, last);
    if (word == NULL) return -1;
    PyObject *words = PyDict_GetItemWithError(inside->known, word); /* borrowed */
    if (words != NULL) {
        Py_INCREF(words);
    } else if (PyErr_Occurred()) {
        Py_DECREF(word);
        return -1;
    } else {
        words = PyObject_CallOneArg(inside->inner, word);
    }
    Py_DECREF(word);
    if (words == NULL) return -1;
    int found = 0;
    if (PyTuple_Check(words)) {
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(words) && !found; k++) {
            PyObject *item = PyTuple_GET_ITEM(words, k);
            if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3) continue;
            Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
            if (start == -1 && PyErr_Occurred()) {
                Py_DECREF(words);
                return -1;
            }
            if (start != at - first) continue;
            PyObject *sub = PyTuple_GET_ITEM(item, 2);
            found = sub == rule->term || (PyUnicode_Check(sub) && PyUnicode_Compare(sub, rule->term) == 0);
        }
    }
    Py_DECREF(words);
    return found;
}

#define SCAN(T)                                                                                          \
    {                                                                                                    \
        const T *chars = (const T *)data;                                                                \
        for (Py_ssize_t at = 0; at < n; at++) {                                                          \
            Py_UCS4 c = chars[at];                                                                       \
            if (!((bloom >> (c & 63)) & 1)) continue;                                                    \
            for (Rule *rule = rules; rule < rules + count; rule++) {                                     \
                if (rule->first != c || at + rule->length > n) continue;                                 \
                Py_ssize_t j = 1;                                                                        \
                while (j < rule->length && chars[at + j] == PyUnicode_READ_CHAR(rule->term, j)) j++;     \
                if (j < rule->length) continue;                                                          \
                int token = is_token(text, starts, n, at, rule, inside);                                 \
                if (token < 0 || (token && push(out, at, at + j, rule->term) < 0)) return -1;            \
            }                                                                                            \
        }                                                                                                \
    }

/* Occurrences of the rules that are tokens of the text, in (start, longer first) order. */
static int token_occurrences(PyObject *text, const char *starts, Rule *rules, Py_ssize_t count,
                             const Inside *inside, Occurrences *out) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    uint64_t bloom = 0;
    for (Py_ssize_t r = 0; r < count; r++) bloom |= (uint64_t)1 << (rules[r].first & 63);
    qsort(rules, (size_t)count, sizeof(Rule), longer_first);
    if (kind == PyUnicode_1BYTE_KIND) SCAN(Py_UCS1)
    else if (kind == PyUnicode_2BYTE_KIND) SCAN(Py_UCS2)
    else SCAN(Py_UCS4)
    return 0;
}

/* A span from start to end labelled by term and the terms that lengthened it, space-separated. */
static PyObject *make_span(const Slotted *span_type, Py_ssize_t start, Py_ssize_t end, PyObject *term,
                           PyObject *more) {
    PyObject *label;
    if (PyList_GET_SIZE(more) == 0) {
        label = Py_NewRef(term);
    } else {
        if (PyList_Insert(more, 0, term) < 0) return NULL;
        PyObject *space = PyUnicode_FromOrdinal(' ');
        if (space == NULL) return NULL;
        label = PyUnicode_Join(space, more);
        Py_DECREF(space);
        if (label == NULL || PyList_SetSlice(more, 0, PY_SSIZE_T_MAX, NULL) < 0) {
            Py_XDECREF(label);
            return NULL;
        }
    }
    return make(span_type, start, end, label);
}

/* Each text's spans: overlapping or touching occurrences become one span, one inside a longer one is dropped.
 * Text i begins at begins[i]; begins[texts] is past every occurrence. */
static PyObject *merge(const Occurrences *found, const Py_ssize_t *begins, Py_ssize_t texts,
                       const Slotted *span_type) {
    if (texts == 0 && found->size) { /* occurrences, but no text to give them to */
        PyErr_SetString(PyExc_ValueError, "page_spans: bases must name where each text begins");
        return NULL;
    }
    PyObject *lists = PyList_New(texts), *more = PyList_New(0), *result = NULL;
    if (lists == NULL || more == NULL) goto done;
    for (Py_ssize_t i = 0; i < texts; i++) {
        PyObject *list = PyList_New(0);
        if (list == NULL) goto done;
        PyList_SET_ITEM(lists, i, list);
    }
    Py_ssize_t text = 0, start = -1, end = -1;
    PyObject *term = NULL;
    for (Py_ssize_t k = 0; k <= found->size; k++) {
        Occurrence *next = k < found->size ? &found->items[k] : NULL;
        if (next != NULL && next->start <= end) { /* overlapping or touching: one span */
            if (next->end > end) {
                end = next->end;
                if (PyList_Append(more, next->term) < 0) goto done;
            }
            continue; /* inside the longer match: the longest wins */
        }
        if (term != NULL) {
            PyObject *span = make_span(span_type, start - begins[text], end - begins[text], term, more);
            if (span == NULL) goto done;
            int failed = PyList_Append(PyList_GET_ITEM(lists, text), span);
            Py_DECREF(span);
            if (failed) goto done;
        }
        if (next == NULL) break;
        start = next->start;
        end = next->end;
        term = next->term;
        while (text + 1 < texts && start >= begins[text + 1]) text++;
    }
    for (Py_ssize_t i = 0; i < texts; i++) {
        PyObject *spans = PyList_AsTuple(PyList_GET_ITEM(lists, i));
        if (spans == NULL) goto done;
        PyList_SetItem(lists, i, spans);
    }
    result = Py_NewRef(lists);
done:
    Py_XDECREF(lists);
    Py_XDECREF(more);
    return result;
}

static PyObject *page_spans(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (!has_arguments("page_spans", nargs, 8)) return NULL;
    PyObject *text = args[0], *starts = args[1], *rule_items = args[2], *found = args[3], *bases = args[4];
    if (!PyUnicode_Check(text) || !PyBytes_Check(starts) || !PyTuple_Check(rule_items) || !PyList_Check(found) ||
        !PyList_Check(bases)) {
        PyErr_SetString(PyExc_TypeError, "page_spans(str, bytes, tuple, list, list, type, inner, dict)");
        return NULL;
    }
    if (PyBytes_GET_SIZE(starts) != PyUnicode_GET_LENGTH(text)) {
        PyErr_SetString(PyExc_ValueError, "page_spans: one start byte per character of the text is needed");
        return NULL;
    }
    Slotted span_type;
    if (slotted(args[5], SPAN_SLOTS, &span_type) < 0) return NULL;

    Py_ssize_t count = 0, size = PyTuple_GET_SIZE(rule_items);
    Rule *rules = PyMem_Malloc((size_t)(size ? size : 1) * sizeof(Rule));
    Occurrences occurrences = {NULL, 0, 0};
    Py_ssize_t *begins = NULL;
    PyObject *result = NULL;
    if (rules == NULL) return PyErr_NoMemory();
    for (Py_ssize_t r = 0; r < size; r++) {
        PyObject *rule = PyTuple_GET_ITEM(rule_items, r);
        if (!PyTuple_Check(rule) || PyTuple_GET_SIZE(rule) != 4 || !PyUnicode_Check(PyTuple_GET_ITEM(rule, 0))) {
            PyErr_SetString(PyExc_TypeError, "page_spans: a rule is (term, length, compound, inside)");
            goto done;
        }
        PyObject *term = PyTuple_GET_ITEM(rule, 0);
        int inside = PyObject_IsTrue(PyTuple_GET_ITEM(rule, 3));
        if (inside < 0) goto done;
        if (PyTuple_GET_ITEM(rule, 2) != Py_None || PyUnicode_GET_LENGTH(term) == 0) continue;
        rules[count++] = (Rule){term, PyUnicode_GET_LENGTH(term), PyUnicode_READ_CHAR(term, 0), inside};
    }
    if (!PyDict_Check(args[7])) {
        PyErr_SetString(PyExc_TypeError, "page_spans: the known sub-words are a dict");
        goto done;
    }
    Inside inside = {args[6], args[7]};
    if (token_occurrences(text, PyBytes_AS_STRING(starts), rules, count, &inside, &occurrences) < 0) goto done;
    Py_ssize_t extra = PyList_GET_SIZE(found);
    for (Py_ssize_t i = 0; i < extra; i++) {
        PyObject *item = PyList_GET_ITEM(found, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3 || !PyUnicode_Check(PyTuple_GET_ITEM(item, 2))) {
            PyErr_SetString(PyExc_TypeError, "page_spans: an occurrence is (start, -end, term)");
            goto done;
        }
        Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
        Py_ssize_t end = -PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
        if (PyErr_Occurred() || push(&occurrences, start, end, PyTuple_GET_ITEM(item, 2)) < 0) goto done;
    }
    if (extra) qsort(occurrences.items, (size_t)occurrences.size, sizeof(Occurrence), by_start_longer_first);
    Py_ssize_t texts = PyList_GET_SIZE(bases);
    begins = PyMem_Malloc((size_t)(texts + 1) * sizeof(Py_ssize_t));
    if (begins == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < texts; i++) {
        begins[i] = PyLong_AsSsize_t(PyList_GET_ITEM(bases, i));
        if (begins[i] == -1 && PyErr_Occurred()) goto done;
    }
    begins[texts] = PY_SSIZE_T_MAX;
    result = merge(&occurrences, begins, texts, &span_type);
done:
    PyMem_Free(begins);
    PyMem_Free(rules);
    PyMem_Free(occurrences.items);
    return result;
}


/* --- fragments ------------------------------------------------------------------------------------------------ */

typedef struct {
    Py_ssize_t start, end;
} Range;

typedef struct {
    Py_ssize_t start, end;
    PyObject *term;
} SpanView;

/* highlight._SENTENCE_END: [\n。；！？!?;], then (unless a line break) more enders and closing quotes */
static inline int is_ender(Py_UCS4 c) {
    return c == '\n' || c == 0x3002 || c == 0xFF1B || c == 0xFF01 || c == 0xFF1F || c == '!' || c == '?' || c == ';';
}
static inline int is_closer(Py_UCS4 c) {
    return c == 0x201D || c == 0x2019 || c == 0x300D || c == 0x300F || c == 0xFF09 || c == ')';
}
/* highlight._CLAUSE_END: [，、：:,] */
static inline int is_clause_end(Py_UCS4 c) {
    return c == 0xFF0C || c == 0x3001 || c == 0xFF1A || c == ':' || c == ',';
}

/* The sentences of the text, covering it whole (highlight._sentences). */
static Py_ssize_t sentences_of(int kind, const void *data, Py_ssize_t n, Range *out) {
    Py_ssize_t count = 0, start = 0, at = 0;
    while (at < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, at);
        at++;
        if (!is_ender(c)) continue;
        if (c != '\n') {
            while (at < n && is_ender(PyUnicode_READ(kind, data, at)) && PyUnicode_READ(kind, data, at) != '\n') at++;
            while (at < n && is_closer(PyUnicode_READ(kind, data, at))) at++;
        }
        out[count++] = (Range){start, at};
        start = at;
    }
    if (start < n || count == 0) out[count++] = (Range){start, n};
    return count;
}

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t n, max_chars;
    const Range *sentences;
    Py_ssize_t sentence_count;
    const SpanView *spans;
    Py_ssize_t span_count;
    PyObject *span_items; /* the spans as a tuple */
    const Slotted *fragment_type;
} Text;

/* highlight._cut_long_sentence */
static Range cut_long_sentence(const Text *t, Py_ssize_t start, Py_ssize_t end) {
    Py_ssize_t anchor = start;
    for (Py_ssize_t i = 0; i < t->span_count; i++) {
        if (t->spans[i].start >= start && t->spans[i].end <= end) {
            anchor = t->spans[i].start;
            break;
        }
    }
    Py_ssize_t begin = start;
    for (Py_ssize_t at = start; at < anchor; at++) {
        if (is_clause_end(PyUnicode_READ(t->kind, t->data, at)) && anchor - (at + 1) < t->max_chars / 2) {
            begin = at + 1;
            break;
        }
    }
    Py_ssize_t stop = end < begin + t->max_chars ? end : begin + t->max_chars;
    if (stop < end) {
        for (Py_ssize_t at = stop - 1; at >= begin; at--) {
            if (is_clause_end(PyUnicode_READ(t->kind, t->data, at))) {
                if (at + 1 > anchor) stop = at + 1;
                break;
            }
        }
    }
    return (Range){begin, stop};
}

/* A fragment from start to end (at least one character), with the spans inside it (a reference it takes). */
static PyObject *make_fragment(const Text *t, Py_ssize_t start, Py_ssize_t end, PyObject *spans) {
    return make(t->fragment_type, start, end > start + 1 ? end : start + 1, spans);
}

/* highlight._widen: the sentence, widened by its neighbours within max_chars (or cut), without outer spaces. */
static Range widen(const Text *t, Py_ssize_t index) {
    Py_ssize_t start = t->sentences[index].start, end = t->sentences[index].end;
    if (end - start > t->max_chars) {
        Range cut = cut_long_sentence(t, start, end);
        start = cut.start;
        end = cut.end;
    } else {
        Py_ssize_t before = index - 1, after = index + 1;
        for (;;) {
            if (after < t->sentence_count && t->sentences[after].end - start <= t->max_chars) {
                end = t->sentences[after++].end;
            } else if (before >= 0 && end - t->sentences[before].start <= t->max_chars) {
                start = t->sentences[before--].start;
            } else {
                break;
            }
        }
    }
    while (start < end && Py_UNICODE_ISSPACE(PyUnicode_READ(t->kind, t->data, start))) start++;
    while (end > start && Py_UNICODE_ISSPACE(PyUnicode_READ(t->kind, t->data, end - 1))) end--;
    return (Range){start, end};
}

/* The fragment of a widened range, with the spans inside it (spans do not overlap: starts and ends ascend). */
static PyObject *fragment_of(const Text *t, Range range) {
    Py_ssize_t low = 0, high = 0;
    while (low < t->span_count && t->spans[low].start < range.start) low++;
    high = low;
    while (high < t->span_count && t->spans[high].end <= range.end) high++;
    PyObject *inside = PyTuple_GetSlice(t->span_items, low, high);
    return inside == NULL ? NULL : make_fragment(t, range.start, range.end, inside);
}

/* Is sentence a better than b: more distinct terms, then more spans, then earlier. */
typedef struct {
    Py_ssize_t index, hits, terms;
} Tally;

static int better_first(const void *a, const void *b) {
    const Tally *x = a, *y = b;
    if (x->terms != y->terms) return x->terms > y->terms ? -1 : 1;
    if (x->hits != y->hits) return x->hits > y->hits ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

static int by_fragment_start(const void *a, const void *b) {
    const Range *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* best_fragments(text, spans, max_chars, count, span_type, fragment_type): highlight.best_fragments, compiled;
 * NotImplemented for what only the Python handles (spans that are not exactly span_type, or out of the text). */
static PyObject *best_fragments(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (!has_arguments("best_fragments", nargs, 6)) return NULL;
    PyObject *text = args[0];
    if (!PyUnicode_Check(text) || !PyType_Check(args[4]) || !PyType_Check(args[5])) Py_RETURN_NOTIMPLEMENTED;
    Py_ssize_t max_chars = PyLong_AsSsize_t(args[2]), count = PyLong_AsSsize_t(args[3]);
    if ((max_chars == -1 || count == -1) && PyErr_Occurred()) {
        PyErr_Clear();
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (count < 1) return PyTuple_New(0);
    if (max_chars < 1) Py_RETURN_NOTIMPLEMENTED;
    Slotted span_type, fragment_type;
    if (slotted(args[4], SPAN_SLOTS, &span_type) < 0 || slotted(args[5], FRAGMENT_SLOTS, &fragment_type) < 0)
        return NULL;
    PyObject *items = PySequence_Tuple(args[1]);
    if (items == NULL) return NULL;
    Text t = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text), max_chars, NULL, 0, NULL,
              PyTuple_GET_SIZE(items), items, &fragment_type};
    PyObject *result = NULL;
    Range *sentences = NULL, *chosen = NULL;
    SpanView *spans = NULL;
    Tally *tallies = NULL;
    if (t.n <= max_chars) { /* the whole text fits: that is the one best fragment */
        Range whole = {0, t.n};
        while (whole.start < t.n && Py_UNICODE_ISSPACE(PyUnicode_READ(t.kind, t.data, whole.start))) whole.start++;
        while (whole.end > 0 && Py_UNICODE_ISSPACE(PyUnicode_READ(t.kind, t.data, whole.end - 1))) whole.end--;
        PyObject *fragment = make_fragment(&t, whole.start, whole.end, Py_NewRef(items));
        result = fragment == NULL ? NULL : PyTuple_Pack(1, fragment);
        Py_XDECREF(fragment);
        goto done;
    }
    spans = PyMem_Malloc((size_t)(t.span_count + 1) * sizeof(SpanView));
    sentences = PyMem_Malloc((size_t)(t.n + 1) * sizeof(Range));
    tallies = PyMem_Malloc((size_t)(t.n + 1) * sizeof(Tally));
    chosen = PyMem_Malloc((size_t)((count < t.n ? count : t.n) + 1) * sizeof(Range));
    if (spans == NULL || sentences == NULL || tallies == NULL || chosen == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < t.span_count; i++) {
        PyObject *span = PyTuple_GET_ITEM(items, i);
        if (Py_TYPE(span) != span_type.type) { /* its slots are only where span_type has them */
            result = Py_NewRef(Py_NotImplemented);
            goto done;
        }
        PyObject *start = SLOT(span, &span_type, 0), *end = SLOT(span, &span_type, 1);
        PyObject *term = SLOT(span, &span_type, 2);
        if (start == NULL || end == NULL || term == NULL || !PyLong_CheckExact(start) || !PyLong_CheckExact(end)) {
            result = Py_NewRef(Py_NotImplemented);
            goto done;
        }
        spans[i] = (SpanView){PyLong_AsSsize_t(start), PyLong_AsSsize_t(end), term};
        if (PyErr_Occurred() || spans[i].start < 0 || spans[i].end > t.n || spans[i].start >= spans[i].end ||
            (i && spans[i].start < spans[i - 1].end)) {
            PyErr_Clear();
            result = Py_NewRef(Py_NotImplemented);
            goto done;
        }
    }
    t.spans = spans;
    t.sentences = sentences;
    t.sentence_count = sentences_of(t.kind, t.data, t.n, sentences);
    if (t.span_count == 0) {
        PyObject *fragment = fragment_of(&t, widen(&t, 0));
        result = fragment == NULL ? NULL : PyTuple_Pack(1, fragment);
        Py_XDECREF(fragment);
        goto done;
    }
    /* the sentences each span touches; a sentence's spans are consecutive, so its distinct terms are counted
     * over that run */
    Py_ssize_t touched = 0, first = 0;
    Py_ssize_t *from = PyMem_Malloc((size_t)(t.sentence_count + 1) * sizeof(Py_ssize_t));
    if (from == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t s = 0; s < t.span_count; s++) {
        while (sentences[first].end <= spans[s].start) first++;
        for (Py_ssize_t index = first; index < t.sentence_count && sentences[index].start < spans[s].end; index++) {
            if (touched && tallies[touched - 1].index == index) {
                Tally *tally = &tallies[touched - 1];
                tally->hits++;
                int seen = 0;
                for (Py_ssize_t k = from[touched - 1]; k < s && !seen; k++) {
                    seen = spans[k].term == spans[s].term || PyUnicode_Compare(spans[k].term, spans[s].term) == 0;
                }
                tally->terms += !seen;
            } else {
                from[touched] = s;
                tallies[touched++] = (Tally){index, 1, 1};
            }
        }
    }
    PyMem_Free(from);
    if (PyErr_Occurred()) goto done;
    qsort(tallies, (size_t)touched, sizeof(Tally), better_first);
    Py_ssize_t picked = 0;
    for (Py_ssize_t r = 0; r < touched && picked < count; r++) {
        Range range = widen(&t, tallies[r].index);
        Py_ssize_t end = range.end > range.start + 1 ? range.end : range.start + 1;
        int overlaps = 0;
        for (Py_ssize_t k = 0; k < picked && !overlaps; k++) {
            Py_ssize_t other_end = chosen[k].end > chosen[k].start + 1 ? chosen[k].end : chosen[k].start + 1;
            overlaps = chosen[k].start < end && range.start < other_end;
        }
        if (!overlaps) chosen[picked++] = range;
    }
    qsort(chosen, (size_t)picked, sizeof(Range), by_fragment_start);
    result = PyTuple_New(picked);
    for (Py_ssize_t k = 0; result != NULL && k < picked; k++) {
        PyObject *fragment = fragment_of(&t, chosen[k]);
        if (fragment == NULL) Py_CLEAR(result);
        else PyTuple_SET_ITEM(result, k, fragment);
    }
done:
    Py_DECREF(items);
    PyMem_Free(spans);
    PyMem_Free(sentences);
    PyMem_Free(tallies);
    PyMem_Free(chosen);
    return result;
}

/* --- section paths -------------------------------------------------------------------------------------------- */

/* section_spans(sections, known, terms, separator, span_type): Matcher.section_spans for each section path of a
 * page, from the headings' stored tokens: known maps a heading to (its terms, its tokens (start, -end, term)).
 * NotImplemented when a heading is not in known (the Python segments it). */
static PyObject *section_spans(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (!has_arguments("section_spans", nargs, 5)) return NULL;
    PyObject *sections = args[0], *known = args[1], *terms = args[2];
    Py_ssize_t separator = PyLong_AsSsize_t(args[3]);
    if (!PyList_Check(sections) || !PyDict_Check(known) || !PyAnySet_Check(terms) ||
        (separator == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "section_spans(list, dict, frozenset, int, type)");
        return NULL;
    }
    Slotted span_type;
    if (slotted(args[4], SPAN_SLOTS, &span_type) < 0) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(sections);
    static const Py_ssize_t whole[2] = {0, PY_SSIZE_T_MAX};
    Occurrences found = {NULL, 0, 0};
    PyObject *result = PyList_New(count);
    for (Py_ssize_t i = 0; result != NULL && i < count; i++) {
        PyObject *section = PyList_GET_ITEM(sections, i);
        if (!PyTuple_Check(section)) goto unhandled;
        found.size = 0;
        Py_ssize_t offset = 0;
        for (Py_ssize_t h = 0; h < PyTuple_GET_SIZE(section); h++) {
            PyObject *heading = PyTuple_GET_ITEM(section, h);
            PyObject *entry = PyDict_GetItemWithError(known, heading);
            if (entry == NULL) {
                if (PyErr_Occurred()) goto fail;
                goto unhandled;
            }
            if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 2 || !PyAnySet_Check(PyTuple_GET_ITEM(entry, 0)) ||
                !PyTuple_Check(PyTuple_GET_ITEM(entry, 1)) || !PyUnicode_Check(heading))
                goto unhandled;
            /* its tokens, unless it has none of the terms (most headings) */
            PyObject *iterator = PyObject_GetIter(PyTuple_GET_ITEM(entry, 0)), *item;
            int any = 0;
            if (iterator == NULL) goto fail;
            while (!any && (item = PyIter_Next(iterator)) != NULL) {
                any = PySet_Contains(terms, item);
                Py_DECREF(item);
            }
            Py_DECREF(iterator);
            if (any < 0 || PyErr_Occurred()) goto fail;
            PyObject *tokens = PyTuple_GET_ITEM(entry, 1);
            for (Py_ssize_t k = 0; any && k < PyTuple_GET_SIZE(tokens); k++) {
                PyObject *token = PyTuple_GET_ITEM(tokens, k);
                if (!PyTuple_Check(token) || PyTuple_GET_SIZE(token) != 3) goto unhandled;
                PyObject *term = PyTuple_GET_ITEM(token, 2);
                int wanted = PySet_Contains(terms, term);
                if (wanted < 0) goto fail;
                if (!wanted) continue;
                Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(token, 0));
                Py_ssize_t end = -PyLong_AsSsize_t(PyTuple_GET_ITEM(token, 1));
                if (PyErr_Occurred() || !PyUnicode_Check(term)) goto fail;
                if (push(&found, offset + start, offset + end, term) < 0) goto fail;
            }
            offset += PyUnicode_GET_LENGTH(heading) + separator;
        }
        if (found.size > 1) qsort(found.items, (size_t)found.size, sizeof(Occurrence), by_start_longer_first);
        PyObject *spans = merge(&found, whole, 1, &span_type);
        if (spans == NULL) goto fail;
        PyList_SET_ITEM(result, i, Py_NewRef(PyList_GET_ITEM(spans, 0)));
        Py_DECREF(spans);
    }
    goto done;
unhandled:
    Py_SETREF(result, Py_NewRef(Py_NotImplemented));
    goto done;
fail:
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "section_spans: a token is (start, -end, term)");
    Py_CLEAR(result);
done:
    PyMem_Free(found.items);
    return result;
}

/* --- scoring -------------------------------------------------------------------------------------------------- */

static int get_buffer(PyObject *object, Py_buffer *view, int writable, const char *formats, Py_ssize_t itemsize,
                      const char *function, const char *name, int flat) {
    if (object == Py_None) {
        view->obj = NULL;
        view->buf = NULL;
        view->len = 0;
        return 0;
    }
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    const char *format = view->format != NULL ? view->format : "B";
    if (format[0] == '<' || format[0] == '=' || format[0] == '@') format++;
    if ((flat && view->ndim != 1) || view->itemsize != itemsize || strlen(format) != 1 ||
        strchr(formats, format[0]) == NULL) {
        PyErr_Format(PyExc_TypeError, "%s: %s must be a %scontiguous%s array of %zd-byte items of format %s",
                     function, name, flat ? "1-d " : "", writable ? ", writable" : "", itemsize, formats);
        PyBuffer_Release(view);
        view->obj = NULL;
        return -1;
    }
    return 0;
}

/* add_postings(scores, counts, docs, values, parts, counted): ranking.Core.bm25f's sum, compiled. For each part
 * (start, end, weight) in order, scores[docs[i]] += values[i] * weight for i in start:end, as numpy's bincount
 * sums the parts concatenated (the same additions in the same order: the same floats); counts[docs[i]] += 1 over
 * the first `counted` parts (counts may be None when counted is 0). */
static PyObject *add_postings(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (!has_arguments("add_postings", nargs, 6)) return NULL;
    PyObject *parts = args[4];
    Py_ssize_t counted = PyLong_AsSsize_t(args[5]);
    if (counted == -1 && PyErr_Occurred()) return NULL;
    if (!PyList_Check(parts)) {
        PyErr_SetString(PyExc_TypeError, "add_postings: parts must be a list of (start, end, weight)");
        return NULL;
    }
    Py_buffer scores = {0}, counts = {0}, docs = {0}, values = {0};
    PyObject *result = NULL;
    if (get_buffer(args[0], &scores, 1, "d", sizeof(double), "add_postings", "scores", 1) < 0 ||
        get_buffer(args[1], &counts, 1, "lqn", sizeof(Py_ssize_t), "add_postings", "counts", 1) < 0 ||
        get_buffer(args[2], &docs, 0, "i", sizeof(int32_t), "add_postings", "docs", 1) < 0 ||
        get_buffer(args[3], &values, 0, "d", sizeof(double), "add_postings", "values", 1) < 0)
        goto done;
    Py_ssize_t size = scores.len / (Py_ssize_t)sizeof(double), entries = docs.len / (Py_ssize_t)sizeof(int32_t);
    if (values.len / (Py_ssize_t)sizeof(double) != entries ||
        (counts.obj != NULL && counts.len / (Py_ssize_t)sizeof(Py_ssize_t) != size) ||
        (counts.obj == NULL && counted > 0)) {
        PyErr_SetString(PyExc_ValueError, "add_postings: docs and values differ in length, or counts in size");
        goto done;
    }
    double *sums = scores.buf;
    Py_ssize_t *numbers = counts.buf;
    const int32_t *doc = docs.buf;
    const double *value = values.buf;
    for (Py_ssize_t p = 0; p < PyList_GET_SIZE(parts); p++) {
        PyObject *part = PyList_GET_ITEM(parts, p);
        if (!PyTuple_Check(part) || PyTuple_GET_SIZE(part) != 3) {
            PyErr_SetString(PyExc_TypeError, "add_postings: a part is (start, end, weight)");
            goto done;
        }
        Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(part, 0));
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(part, 1));
        double weight = PyFloat_AsDouble(PyTuple_GET_ITEM(part, 2));
        if (PyErr_Occurred()) goto done;
        if (start < 0 || end < start || end > entries) {
            PyErr_Format(PyExc_ValueError, "add_postings: part %zd:%zd is outside the %zd entries", start, end,
                         entries);
            goto done;
        }
        for (Py_ssize_t i = start; i < end; i++) {
            if (doc[i] < 0 || doc[i] >= size) {
                PyErr_Format(PyExc_ValueError, "add_postings: passage %d is outside the %zd scores", doc[i], size);
                goto done;
            }
            sums[doc[i]] += value[i] * weight;
        }
        if (p < counted) {
            for (Py_ssize_t i = start; i < end; i++) numbers[doc[i]]++;
        }
    }
    result = Py_NewRef(Py_None);
done:
    if (scores.obj != NULL) PyBuffer_Release(&scores);
    if (counts.obj != NULL) PyBuffer_Release(&counts);
    if (docs.obj != NULL) PyBuffer_Release(&docs);
    if (values.obj != NULL) PyBuffer_Release(&values);
    return result;
}

/* top(scores, k, out) -> m: search._top, compiled: out[:m] the positions of the k best scores (m = min(k,
 * len(scores))), best first, equal scores in the order of their positions, as numpy's lexsort((positions,
 * -scores))[:k] gives them (NaN after every number). One pass keeping the best k in order: for the small k of a
 * page (out must hold k items). */
static inline int above(double a, double b) { return a > b || (b != b && a == a); }

static PyObject *top(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (!has_arguments("top", nargs, 3)) return NULL;
    Py_ssize_t k = PyLong_AsSsize_t(args[1]);
    if (k == -1 && PyErr_Occurred()) return NULL;
    Py_buffer scores = {0}, positions = {0};
    PyObject *result = NULL;
    double *best = NULL;
    if (get_buffer(args[0], &scores, 0, "d", sizeof(double), "top", "scores", 1) < 0 ||
        get_buffer(args[2], &positions, 1, "lqn", sizeof(Py_ssize_t), "top", "out", 1) < 0)
        goto done;
    if (scores.obj == NULL || positions.obj == NULL || k < 0 || positions.len / (Py_ssize_t)sizeof(Py_ssize_t) < k) {
        PyErr_SetString(PyExc_ValueError, "top: scores and out are needed, k >= 0 and out holding k items");
        goto done;
    }
    const double *score = scores.buf;
    Py_ssize_t size = scores.len / (Py_ssize_t)sizeof(double), *at = positions.buf, m = 0;
    best = PyMem_Malloc((size_t)(k > 0 ? k : 1) * sizeof(double));
    if (best == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < size && k > 0; i++) {
        double value = score[i];
        if (m == k && !above(value, best[k - 1])) continue; /* an equal score comes later: not better */
        Py_ssize_t j = m < k ? m++ : k - 1;
        while (j > 0 && above(value, best[j - 1])) {
            best[j] = best[j - 1];
            at[j] = at[j - 1];
            j--;
        }
        best[j] = value;
        at[j] = i;
    }
    result = PyLong_FromSsize_t(m);
done:
    PyMem_Free(best);
    if (scores.obj != NULL) PyBuffer_Release(&scores);
    if (positions.obj != NULL) PyBuffer_Release(&positions);
    return result;
}

/* --- a jieba dictionary's word frequencies ---------------------------------------------------------------------- */

typedef struct {
    const char *word;
    Py_ssize_t length, start; /* start: where the line starts in the file, which orders a word's lines as it does */
} Line;

static int by_word_then_place(const void *a, const void *b) {
    const Line *x = a, *y = b;
    int order = memcmp(x->word, y->word, (size_t)(x->length < y->length ? x->length : y->length));
    if (order != 0) return order;
    if (x->length != y->length) return x->length < y->length ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

/* Sort lines by word, then place: merge the runs of lines already in order, two by two (jieba's dict.txt is 30
 * sorted runs: 5 passes, where qsort takes 0.09 s). 0, or -1 with MemoryError. */
static int sort_lines(Line *lines, Py_ssize_t n) {
    Py_ssize_t *bounds = PyMem_Malloc((size_t)(n + 2) * sizeof(Py_ssize_t)), runs = 0;
    Line *other = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof(Line)), *from = lines, *to = other;
    if (bounds == NULL || other == NULL) {
        PyMem_Free(bounds);
        PyMem_Free(other);
        PyErr_NoMemory();
        return -1;
    }
    bounds[runs++] = 0;
    for (Py_ssize_t i = 1; i < n; i++) {
        if (by_word_then_place(&lines[i - 1], &lines[i]) > 0) bounds[runs++] = i;
    }
    bounds[runs] = n; /* run r is from[bounds[r]:bounds[r + 1]] */
    while (runs > 1) {
        Py_ssize_t merged = 0;
        for (Py_ssize_t r = 0; r < runs; r += 2) {
            Py_ssize_t i = bounds[r], middle = bounds[r + 1], end = r + 1 < runs ? bounds[r + 2] : middle, j = middle;
            Py_ssize_t at = i;
            while (i < middle && j < end) to[at++] = by_word_then_place(&from[i], &from[j]) < 0 ? from[i++] : from[j++];
            while (i < middle) to[at++] = from[i++];
            while (j < end) to[at++] = from[j++];
            bounds[merged++] = bounds[r];
        }
        bounds[merged] = n;
        runs = merged;
        Line *swap = from;
        from = to;
        to = swap;
    }
    if (from != lines) memcpy(lines, from, (size_t)n * sizeof(Line));
    PyMem_Free(bounds);
    PyMem_Free(other);
    return 0;
}

/* The length of the UTF-8 of a character Python's str.split() splits on that starts at p (before end), else 0:
 * ASCII 0x09-0x0d and 0x1c-0x20, and U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F,
 * U+3000. */
static Py_ssize_t space_at(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    if ((c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20)) return 1;
    if (c == 0xc2 && p + 1 < end && (p[1] == 0x85 || p[1] == 0xa0)) return 2;
    if (c < 0xe1 || c > 0xe3 || p + 2 >= end) return 0;
    if (c == 0xe1) return p[1] == 0x9a && p[2] == 0x80 ? 3 : 0;
    if (c == 0xe3) return p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
    if (p[1] == 0x80) return p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf ? 3 : 0;
    return p[1] == 0x81 && p[2] == 0x9f ? 3 : 0;
}

/* Where the run of non-space characters from p ends (p itself when p starts with a space or is end). */
static const unsigned char *run_end(const unsigned char *p, const unsigned char *end) {
    while (p < end && space_at(p, end) == 0) p++;
    return p;
}

/* dictionary_index(data) -> (index, total) or NotImplemented: analysis._read_frequencies's table, compiled, for
 * a jieba dictionary file (its UTF-8 bytes) whose every line is "word frequency" or "word frequency tag" with
 * single spaces and the frequency in at most 18 decimal digits (jieba's dict.txt), else NotImplemented (the
 * Python reads it). `index`: the line starts as Py_ssize_t bytes, ordered by word (bytewise: UTF-8 keeps code
 * point order), a word's lines in file order; `total`: the sum of each word's last frequency, as
 * sum(dict(...).values()) over the lines. dictionary_frequency looks a word up in it. */
static PyObject *dictionary_index(PyObject *Py_UNUSED(module), PyObject *data) {
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *text = view.buf, *end = text + view.len;
    PyObject *result = NULL, *index = NULL;
    Py_ssize_t count = 0, made = 0;
    for (const unsigned char *p = text; p < end; p++) count += *p == '\n';
    count += view.len > 0 && end[-1] != '\n';
    Line *lines = PyMem_Malloc((size_t)(count > 0 ? count : 1) * sizeof(Line));
    if (lines == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (const unsigned char *p = text; p < end;) {
        const unsigned char *stop = memchr(p, '\n', (size_t)(end - p));
        if (stop == NULL) stop = end;
        const unsigned char *word_end = run_end(p, stop), *digits = word_end + 1, *digits_end = digits;
        if (word_end == p || word_end >= stop || *word_end != ' ') goto other;
        while (digits_end < stop && *digits_end >= '0' && *digits_end <= '9') digits_end++;
        if (digits_end == digits || digits_end - digits > 18) goto other;
        if (digits_end < stop) { /* a tag: one run of non-space characters to the end of the line */
            if (*digits_end != ' ' || digits_end + 1 == stop || run_end(digits_end + 1, stop) != stop) goto other;
        }
        lines[made++] = (Line){(const char *)p, word_end - p, p - text};
        p = stop + 1;
    }
    if (sort_lines(lines, made) < 0) goto done;
    long long total = 0;
    for (Py_ssize_t i = 0; i < made; i++) {
        if (i + 1 < made && lines[i + 1].length == lines[i].length &&
            memcmp(lines[i + 1].word, lines[i].word, (size_t)lines[i].length) == 0)
            continue; /* a later line of the same word holds its frequency */
        const char *digit = lines[i].word + lines[i].length + 1;
        long long frequency = 0;
        while (digit < (const char *)end && *digit >= '0' && *digit <= '9') frequency = frequency * 10 + (*digit++ - '0');
        if (total > LLONG_MAX - frequency) goto other;
        total += frequency;
    }
    index = PyBytes_FromStringAndSize(NULL, made * (Py_ssize_t)sizeof(Py_ssize_t));
    if (index == NULL) goto done;
    Py_ssize_t *starts = (Py_ssize_t *)PyBytes_AS_STRING(index);
    for (Py_ssize_t i = 0; i < made; i++) starts[i] = lines[i].start;
    result = Py_BuildValue("(OL)", index, total);
    goto done;
other:
    result = Py_NewRef(Py_NotImplemented);
done:
    Py_XDECREF(index);
    PyMem_Free(lines);
    PyBuffer_Release(&view);
    return result;
}

/* dictionary_frequency(data, index, word) -> int or None: the frequency of the last line of the word (UTF-8 bytes)
 * in the dictionary file `data`, by binary search in dictionary_index's `index`; None when no line has it. */
static PyObject *dictionary_frequency(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (!has_arguments("dictionary_frequency", nargs, 3)) return NULL;
    Py_buffer text = {0}, index = {0}, word = {0};
    PyObject *result = NULL;
    if (PyObject_GetBuffer(args[0], &text, PyBUF_SIMPLE) < 0) return NULL;
    if (PyObject_GetBuffer(args[1], &index, PyBUF_SIMPLE) < 0) goto done;
    if (PyObject_GetBuffer(args[2], &word, PyBUF_SIMPLE) < 0) goto done;
    const char *data = text.buf, *key = word.buf;
    const Py_ssize_t *starts = index.buf;
    Py_ssize_t lo = 0, hi = index.len / (Py_ssize_t)sizeof(Py_ssize_t), length = word.len;
    while (lo < hi) { /* the first line whose word is after the key: the key's last line is just before it */
        Py_ssize_t mid = lo + (hi - lo) / 2, start = starts[mid];
        if (start < 0 || start >= text.len) {
            PyErr_SetString(PyExc_ValueError, "dictionary_frequency: the index is not this dictionary's");
            goto done;
        }
        const char *space = memchr(data + start, ' ', (size_t)(text.len - start));
        Py_ssize_t size = space != NULL ? space - (data + start) : text.len - start;
        int order = memcmp(key, data + start, (size_t)(length < size ? length : size));
        if (order < 0 || (order == 0 && length < size)) hi = mid;
        else lo = mid + 1;
    }
    if (lo > 0) {
        Py_ssize_t start = starts[lo - 1];
        const char *space = memchr(data + start, ' ', (size_t)(text.len - start));
        if (space != NULL && space - (data + start) == length && memcmp(key, data + start, (size_t)length) == 0) {
            long long frequency = 0;
            for (const char *digit = space + 1; digit < data + text.len && *digit >= '0' && *digit <= '9'; digit++)
                frequency = frequency * 10 + (*digit - '0');
            result = PyLong_FromLongLong(frequency);
            goto done;
        }
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&text);
    if (index.obj != NULL) PyBuffer_Release(&index);
    if (word.obj != NULL) PyBuffer_Release(&word);
    return result;
}

/* --- the sentence model's activation --------------------------------------------------------------------------- */

/* GELU, 0.5·x·(1 + erf(x/√2)), with erf by Abramowitz & Stegun 7.1.28: 1 − erf(m) = (1 + a1·m + … + a6·m⁶)^−16
 * (absolute error below 3e-7), for m = |x|/√2, so GELU = (x + |x|)/2 − (|x|/2)·(1 − erf(m)), for either sign of x.
 * No branch and no exp: the compiler makes it a vector loop. semantic._gelu does the same operations in the same
 * order with numpy (the same floats). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("tree-vectorize")))  /* gcc before 12 vectorizes only at -O3 */
#endif
static void gelu_floats(float *x, Py_ssize_t n) {
    const float a1 = 0.0705230784f, a2 = 0.0422820123f, a3 = 0.0092705272f, a4 = 0.0001520143f,
                a5 = 0.0002765672f, a6 = 0.0000430638f;
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        float a = fabsf(v);
        float m = a * 0.70710678118654752f;
        float p = m * a6;
        p += a5;
        p *= m;
        p += a4;
        p *= m;
        p += a3;
        p *= m;
        p += a2;
        p *= m;
        p += a1;
        p *= m;
        p += 1.0f;
        float r = 1.0f / p;
        r *= r;
        r *= r;
        r *= r;
        r *= r;
        x[i] = (v + a) * 0.5f - (a * 0.5f) * r;
    }
}

/* gelu(x): semantic._gelu, compiled: GELU of every item of a writable, contiguous float32 array, in place. */
static PyObject *gelu(PyObject *Py_UNUSED(module), PyObject *x) {
    Py_buffer view = {0};
    if (get_buffer(x, &view, 1, "f", sizeof(float), "gelu", "x", 0) < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    gelu_floats(view.buf, view.len / (Py_ssize_t)sizeof(float));
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"page_spans", (PyCFunction)(void (*)(void))page_spans, METH_FASTCALL,
     "page_spans(text, starts, rules, found, bases, span_type, inner, known): highlight.page_spans, compiled."},
    {"best_fragments", (PyCFunction)(void (*)(void))best_fragments, METH_FASTCALL,
     "best_fragments(text, spans, max_chars, count, span_type, fragment_type): highlight.best_fragments, compiled."},
    {"section_spans", (PyCFunction)(void (*)(void))section_spans, METH_FASTCALL,
     "section_spans(sections, known, terms, separator, span_type): Matcher.section_spans for a page, compiled."},
    {"add_postings", (PyCFunction)(void (*)(void))add_postings, METH_FASTCALL,
     "add_postings(scores, counts, docs, values, parts, counted): Core.bm25f's sum, compiled."},
    {"top", (PyCFunction)(void (*)(void))top, METH_FASTCALL, "top(scores, k, out): search._top, compiled."},
    {"dictionary_index", (PyCFunction)dictionary_index, METH_O,
     "dictionary_index(data): a jieba dictionary file's lines by word, and its total frequency."},
    {"dictionary_frequency", (PyCFunction)(void (*)(void))dictionary_frequency, METH_FASTCALL,
     "dictionary_frequency(data, index, word): a word's frequency in a jieba dictionary file, or None."},
    {"gelu", (PyCFunction)gelu, METH_O, "gelu(x): semantic._gelu, compiled: GELU of a float32 array, in place."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "lawsearch._speedups",
    "The per-occurrence and per-posting loops of highlight.py and ranking.py, and GELU, compiled.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
