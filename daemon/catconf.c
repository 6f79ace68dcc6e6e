/* catconf - see catconf.h. */
#include "catconf.h"

#include "ini.h"
#include "keytable.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct ioc_config_key catalog_head_keys[] = {
    {"version", IOC_CFG_STRING, NULL, true, "the catalogue's version, e.g. 2025-12", NULL, NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

static const struct ioc_config_key catalog_unit_keys[] = {
    {"symbol", IOC_CFG_STRING, NULL, true, "what a screen prints after the value", NULL, NULL},
    {"label_vi", IOC_CFG_STRING, NULL, true, "Vietnamese name", NULL, NULL},
    {"label_en", IOC_CFG_STRING, NULL, true, "English name", NULL, NULL},
    {"decimals", IOC_CFG_INT, "0", false, "display decimals of its metrics by default", "0", "6"},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

static const struct ioc_config_key catalog_metric_keys[] = {
    {"label_vi", IOC_CFG_STRING, NULL, true, "Vietnamese label of a tile", NULL, NULL},
    {"label_en", IOC_CFG_STRING, NULL, true, "English label of a tile", NULL, NULL},
    {"description", IOC_CFG_STRING, NULL, true, "one line: what is counted", NULL, NULL},
    {"unit", IOC_CFG_STRING, NULL, true, "a [unit.NAME] of this catalogue", NULL, NULL},
    {"decimals", IOC_CFG_INT, NULL, false, "display decimals (default: the unit's)", "0", "6"},
    {"aggregate", IOC_CFG_STRING, NULL, true, "sum, ratio (of sums) or none", NULL, NULL},
    {"refresh", IOC_CFG_DURATION, NULL, false,
     "expected refresh: not seen this long = stale (default: the instance's interval x 3)",
     "1s", NULL},
    {"max_age", IOC_CFG_DURATION, NULL, false,
     "maximum age of its data (period end, else ts): older = stale (default: none)", "1s", NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

/* The metric-name rule of normalize (docs/metric-record.md): [a-z][a-z0-9_]*
 * segments joined by '.', at most 64 bytes. Repeated here, not shared,
 * so that this leaf needs nothing of the normalize stage. */
static bool catalog_name_ok(const char *name, bool dotted)
{
    size_t len = strlen(name);
    if (len == 0 || len > 64)
        return false;
    bool start = true;
    for (const char *p = name; *p; p++) {
        if (start) {
            if (!(*p >= 'a' && *p <= 'z'))
                return false;
            start = false;
        } else if (*p == '.' && dotted) {
            start = true;
        } else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
            return false;
        }
    }
    return !start;
}

static char *catalog_dup(const struct config_section *s, const char *key)
{
    const char *v = section_text(s, key);
    return v ? strdup(v) : NULL;
}

/* A finite number, the whole text. */
static int catalog_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    while (end > s && (*end == ' ' || *end == '\t'))
        end++;
    return end == s || *end || errno || !isfinite(*out) ? -1 : 0;
}

/* "A..B" with two numbers, A <= B. */
static int catalog_range(const char *s, double *lo, double *hi)
{
    const char *dots = strstr(s, "..");
    if (!dots)
        return -1;
    char left[64];
    size_t n = (size_t)(dots - s);
    if (n >= sizeof left)
        return -1;
    memcpy(left, s, n);
    left[n] = '\0';
    return catalog_number(left, lo) < 0 || catalog_number(dots + 2, hi) < 0 || *lo > *hi ? -1 : 0;
}

/* goal: ">= 90", "<= 5" or "90..100". */
static const char *catalog_goal(const char *v, struct catalog_target *t)
{
    while (*v == ' ')
        v++;
    if (!strncmp(v, ">=", 2) || !strncmp(v, "<=", 2)) {
        double x;
        const char *num = v + 2;
        while (*num == ' ')
            num++;
        if (catalog_number(num, &x) < 0)
            return t->lo = t->hi = 0, "expected '>= NUMBER', '<= NUMBER' or 'LOW..HIGH'";
        t->op = v[0] == '>' ? CATALOG_GOAL_GE : CATALOG_GOAL_LE;
        t->lo = t->hi = x;
        return NULL;
    }
    if (catalog_range(v, &t->lo, &t->hi) < 0)
        /* Reported here; not again as a missing goal. */
        return t->lo = t->hi = 0, "expected '>= NUMBER', '<= NUMBER' or 'LOW..HIGH' (LOW <= HIGH)";
    t->op = CATALOG_GOAL_RANGE;
    return NULL;
}

/* warn: the band just outside the goal in which the status is "warn",
 * given by its far edge: a number for >= (below the goal) and <= (above
 * it), "LOW..HIGH" around the goal's range. */
static const char *catalog_warn(const char *v, struct catalog_target *t)
{
    double x;
    if (t->op == CATALOG_GOAL_RANGE) {
        if (catalog_range(v, &t->warn_lo, &t->warn_hi) < 0)
            return "expected 'LOW..HIGH' around the goal's range";
        if (t->warn_lo > t->lo || t->warn_hi < t->hi)
            return "the warning band must contain the goal's range";
    } else {
        if (catalog_number(v, &x) < 0)
            return "expected a number (the far edge of the warning band)";
        if (t->op == CATALOG_GOAL_GE && x > t->lo)
            return "must be below the '>=' goal";
        if (t->op == CATALOG_GOAL_LE && x < t->hi)
            return "must be above the '<=' goal";
        t->warn_lo = t->op == CATALOG_GOAL_GE ? x : t->hi;
        t->warn_hi = t->op == CATALOG_GOAL_GE ? t->lo : x;
    }
    t->has_warn = true;
    return NULL;
}

static int catalog_year(const char *s, int *y)
{
    if (strlen(s) != 4)
        return -1;
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    *y = atoi(s);
    return *y >= 2000 && *y <= 2100 ? 0 : -1;
}

/* period: "2025" or "2026..2030". */
static const char *catalog_period(const char *v, struct catalog_target *t)
{
    const char *dots = strstr(v, "..");
    char a[8] = "", b[8] = "";
    if (dots && (size_t)(dots - v) < sizeof a && strlen(dots + 2) < sizeof b) {
        memcpy(a, v, (size_t)(dots - v));
        strcpy(b, dots + 2);
    } else if (!dots && strlen(v) < sizeof a) {
        strcpy(a, v), strcpy(b, v);
    }
    if (catalog_year(a, &t->year_from) < 0 || catalog_year(b, &t->year_to) < 0 ||
        t->year_from > t->year_to)
        return "expected a year (2025) or years (2026..2030) between 2000 and 2100";
    return NULL;
}

/* dims: "key=value[,key=value...]", names as in records' dims. */
static const char *catalog_dims(const char *v)
{
    const char *p = v;
    while (*p) {
        const char *eq = strchr(p, '=');
        const char *comma = strchr(p, ',');
        if (!comma)
            comma = p + strlen(p);
        if (!eq || eq > comma || eq == p || eq + 1 == comma)
            return "expected key=value[,key=value...]";
        p = *comma ? comma + 1 : comma;
    }
    return NULL;
}

static struct catalog_target *catalog_target_get(struct catalog_metric *m, const char *id,
                                                 size_t idlen, int line)
{
    for (size_t i = 0; i < m->target_count; i++)
        if (strlen(m->targets[i].id) == idlen && !strncmp(m->targets[i].id, id, idlen))
            return &m->targets[i];
    struct catalog_target *grown = realloc(m->targets, (m->target_count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    m->targets = grown;
    struct catalog_target *t = &m->targets[m->target_count];
    memset(t, 0, sizeof *t);
    if (!(t->id = strndup(id, idlen)))
        return NULL;
    t->line = line;
    t->year_from = -1;
    t->lo = NAN;
    m->target_count++;
    return t;
}

/* The target.ID.FIELD keys of one [metric.NAME], set aside by section_load. */
static void catalog_targets(const struct config_section *sec, struct catalog_metric *m,
                            struct diag *d)
{
    for (size_t i = 0; i < sec->extra_count; i++) {
        const char *key = sec->extra_keys[i], *v = sec->extra[i].text;
        int line = sec->extra[i].line;
        const char *dot = strrchr(key, '.');
        char idbuf[65];
        if (!dot || dot == key || (size_t)(dot - key) >= sizeof idbuf) {
            diag_add(d, sec->path, line, "'target.%s': expected target.ID.FIELD (FIELD: goal, "
                     "warn, level, dims, period or basis)", key);
            continue;
        }
        memcpy(idbuf, key, (size_t)(dot - key));
        idbuf[dot - key] = '\0';
        if (!catalog_name_ok(idbuf, false)) {
            diag_add(d, sec->path, line, "'target.%s': the target's ID must be [a-z][a-z0-9_]*",
                     key);
            continue;
        }
        struct catalog_target *t = catalog_target_get(m, key, (size_t)(dot - key), line);
        if (!t) {
            diag_add(d, sec->path, line, "'target.%s': out of memory", key);
            continue;
        }
        const char *field = dot + 1, *why = NULL;
        char **text = NULL;
        if (!strcmp(field, "goal"))
            why = catalog_goal(v, t);
        else if (!strcmp(field, "warn"))
            text = NULL; /* judged once the goal is known, below */
        else if (!strcmp(field, "period"))
            why = catalog_period(v, t);
        else if (!strcmp(field, "level")) {
            if (strcmp(v, "province") && strcmp(v, "commune"))
                why = "expected province or commune";
            text = &t->level;
        } else if (!strcmp(field, "dims")) {
            why = catalog_dims(v);
            text = &t->dims;
        } else if (!strcmp(field, "basis")) {
            text = &t->basis;
        } else {
            diag_add(d, sec->path, line, "'target.%s': unknown field '%s' (goal, warn, level, "
                     "dims, period or basis)", key, field);
            continue;
        }
        if (why)
            diag_add(d, sec->path, line, "'target.%s' = '%s': %s", key, v, why);
        else if (text && !(*text = strdup(v)))
            diag_add(d, sec->path, line, "'target.%s': out of memory", key);
    }
    /* warn needs the goal's direction, which may come on a later line. */
    for (size_t i = 0; i < sec->extra_count; i++) {
        const char *key = sec->extra_keys[i];
        size_t len = strlen(key);
        if (len < 5 || strcmp(key + len - 5, ".warn"))
            continue;
        for (size_t j = 0; j < m->target_count; j++) {
            struct catalog_target *t = &m->targets[j];
            if (strlen(t->id) != len - 5 || strncmp(t->id, key, len - 5) || isnan(t->lo))
                continue;
            const char *why = catalog_warn(sec->extra[i].text, t);
            if (why)
                diag_add(d, sec->path, sec->extra[i].line, "'target.%s' = '%s': %s", key,
                         sec->extra[i].text, why);
        }
    }
    for (size_t j = 0; j < m->target_count; j++) {
        const struct catalog_target *t = &m->targets[j];
        const char *missing = isnan(t->lo) ? "goal" : t->year_from < 0 ? "period"
                            : !t->basis ? "basis" : NULL;
        if (missing)
            diag_add(d, sec->path, t->line, "target '%s' of metric '%s' has no '%s'", t->id,
                     m->name, missing);
    }
}

static void catalog_unit_section(struct catalog *c, const struct ini_file *ini, const char *sname,
                                 const char *dir, struct diag *d)
{
    const char *name = sname + strlen("unit.");
    struct config_section sec;
    section_load(ini, sname, catalog_unit_keys, NULL, dir, &sec, d);
    if (!catalog_name_ok(name, false))
        diag_add(d, ini->path, sec.line, "[%s]: a unit name is [a-z][a-z0-9_]* (write the "
                 "symbol in 'symbol')", sname);
    struct catalog_unit *u = &c->units[c->unit_count++];
    u->name = strdup(name);
    u->symbol = catalog_dup(&sec, "symbol");
    u->label_vi = catalog_dup(&sec, "label_vi");
    u->label_en = catalog_dup(&sec, "label_en");
    u->decimals = (int)section_int(&sec, "decimals");
    u->line = sec.line;
    section_free(&sec);
}

static void catalog_metric_section(struct catalog *c, const struct ini_file *ini,
                                   const char *sname, const char *dir, struct diag *d)
{
    const char *name = sname + strlen("metric.");
    struct config_section sec;
    section_load(ini, sname, catalog_metric_keys, "target.", dir, &sec, d);
    struct catalog_metric *m = &c->metrics[c->metric_count++];
    m->name = strdup(name);
    m->line = sec.line;
    if (!catalog_name_ok(name, true))
        diag_add(d, ini->path, sec.line, "[%s]: not a metric name (lowercase segments "
                 "[a-z][a-z0-9_]* joined by '.', at most 64 bytes)", sname);
    m->label_vi = catalog_dup(&sec, "label_vi");
    m->label_en = catalog_dup(&sec, "label_en");
    m->description = catalog_dup(&sec, "description");
    const char *v = section_text(&sec, "unit");
    if (v && !(m->unit = catalog_unit(c, v)))
        diag_add(d, ini->path, section_line(&sec, "unit"), "'unit' = '%s': not a unit of "
                 "this catalogue (add a [unit.%s] section, or use one of its units)", v, v);
    m->decimals = section_text(&sec, "decimals") ? (int)section_int(&sec, "decimals")
                : m->unit ? m->unit->decimals : 0;
    v = section_text(&sec, "aggregate");
    if (v && !strcmp(v, "sum"))
        m->aggregate = CATALOG_AGG_SUM;
    else if (v && !strcmp(v, "ratio"))
        m->aggregate = CATALOG_AGG_RATIO;
    else if (v && !strcmp(v, "none"))
        m->aggregate = CATALOG_AGG_NONE;
    else if (v)
        diag_add(d, ini->path, section_line(&sec, "aggregate"), "'aggregate' = '%s': use sum, "
                 "ratio (sum of numerators / sum of denominators) or none", v);
    m->refresh_ms = section_text(&sec, "refresh") ? section_ms(&sec, "refresh") : 0;
    m->max_age_ms = section_text(&sec, "max_age") ? section_ms(&sec, "max_age") : 0;
    catalog_targets(&sec, m, d);
    section_free(&sec);
}

struct catalog *catconf_load(const char *path, struct diag *d)
{
    size_t errors_before = d->count;
    struct catalog *c = calloc(1, sizeof *c);
    struct ini_file ini;
    if (!c || !(c->path = strdup(path))) {
        diag_add(d, path, 0, "out of memory");
        free(c);
        return NULL;
    }
    if (ini_load(path, &ini, d) < 0 && ini.count == 0 && ini.section_count == 0) {
        /* Unreadable: that one error says it all. */
        ini_free(&ini);
        catalog_free(c);
        return NULL;
    }
    /* A "KEY_file = PATH" is read relative to the catalogue (keytable). */
    char *copy = strdup(path);
    char *dir = copy ? dirname(copy) : ".";
    c->units = calloc(ini.section_count + 1, sizeof *c->units);
    c->metrics = calloc(ini.section_count + 1, sizeof *c->metrics);
    if (!c->units || !c->metrics) {
        diag_add(d, path, 0, "out of memory");
        ini_free(&ini);
        free(copy);
        catalog_free(c);
        return NULL;
    }
    bool head = false;
    /* Units first, wherever they are in the file: metrics refer to them. */
    for (size_t i = 0; i < ini.section_count; i++) {
        const char *s = ini.sections[i];
        if (!strncmp(s, "unit.", 5))
            catalog_unit_section(c, &ini, s, dir, d);
        else if (!strcmp(s, "catalog"))
            head = true;
        else if (strncmp(s, "metric.", 7))
            diag_add(d, path, ini.section_lines[i], "unknown section [%s] (use [catalog], "
                     "[unit.NAME] or [metric.NAME])", s);
    }
    for (size_t i = 0; i < ini.section_count; i++)
        if (!strncmp(ini.sections[i], "metric.", 7))
            catalog_metric_section(c, &ini, ini.sections[i], dir, d);
    if (!head) {
        diag_add(d, path, 0, "no [catalog] section with its 'version'");
    } else {
        struct config_section sec;
        section_load(&ini, "catalog", catalog_head_keys, NULL, dir, &sec, d);
        c->version = catalog_dup(&sec, "version");
        section_free(&sec);
    }
    ini_free(&ini);
    free(copy);
    catalog_sort(c);
    if (d->count > errors_before) {
        catalog_free(c);
        return NULL;
    }
    return c;
}

