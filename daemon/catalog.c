/* catalog - see catalog.h. */
#include "catalog.h"

#include "jsonw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The units every build knows (include/ioc/record.h names them): the
 * catalogue used when none is deployed, and the seed of the shipped one. */
static struct catalog_unit catalog_builtin_units[] = {
    {"count", "", "số lượng", "count", 0, 0},
    {"percent", "%", "phần trăm", "percent", 1, 0},
    {"permille", "‰", "phần nghìn", "per mille", 1, 0},
    {"ratio", "", "tỷ số", "ratio", 3, 0},
    {"score", "", "điểm", "score", 1, 0},
    {"seconds", "s", "giây", "seconds", 0, 0},
    {"days", "ngày", "ngày", "days", 1, 0},
    {"bytes", "B", "byte", "bytes", 0, 0},
    {"vnd", "₫", "đồng", "Vietnamese dong", 0, 0},
    {"cm", "cm", "xentimét", "centimetres", 0, 0},
    {"mm", "mm", "milimét", "millimetres", 1, 0},
    {"celsius", "°C", "độ C", "degrees Celsius", 1, 0},
    {"ug_m3", "µg/m³", "microgam trên mét khối", "micrograms per cubic metre", 0, 0},
    {"m3_s", "m³/s", "mét khối trên giây", "cubic metres per second", 1, 0},
    {"ha", "ha", "héc-ta", "hectares", 1, 0},
    {"km", "km", "ki-lô-mét", "kilometres", 1, 0},
};

static const struct catalog catalog_builtin_catalog = {
    "(built-in)", "built-in", catalog_builtin_units,
    sizeof catalog_builtin_units / sizeof catalog_builtin_units[0], NULL, 0,
};

const struct catalog *catalog_builtin(void)
{
    return &catalog_builtin_catalog;
}

const char *catalog_aggregate_name(enum catalog_aggregate a)
{
    return a == CATALOG_AGG_SUM ? "sum" : a == CATALOG_AGG_RATIO ? "ratio" : "none";
}

static int catalog_cmp(const void *a, const void *b)
{
    return strcmp(((const struct catalog_metric *)a)->name,
                  ((const struct catalog_metric *)b)->name);
}

void catalog_sort(struct catalog *c)
{
    qsort(c->metrics, c->metric_count, sizeof *c->metrics, catalog_cmp);
}

void catalog_free(struct catalog *c)
{
    if (!c || c == &catalog_builtin_catalog)
        return;
    for (size_t i = 0; i < c->unit_count; i++) {
        struct catalog_unit *u = &c->units[i];
        free(u->name), free(u->symbol), free(u->label_vi), free(u->label_en);
    }
    for (size_t i = 0; i < c->metric_count; i++) {
        struct catalog_metric *m = &c->metrics[i];
        free(m->name), free(m->label_vi), free(m->label_en), free(m->description);
        for (size_t j = 0; j < m->target_count; j++) {
            struct catalog_target *t = &m->targets[j];
            free(t->id), free(t->level), free(t->dims), free(t->basis);
        }
        free(m->targets);
    }
    free(c->units);
    free(c->metrics);
    free(c->version);
    free(c->path);
    free(c);
}

const struct catalog_unit *catalog_unit(const struct catalog *c, const char *name)
{
    for (size_t i = 0; c && i < c->unit_count; i++)
        if (c->units[i].name && strcmp(c->units[i].name, name) == 0)
            return &c->units[i];
    return NULL;
}

const struct catalog_metric *catalog_metric(const struct catalog *c, const char *name)
{
    if (!c || !c->metric_count)
        return NULL;
    struct catalog_metric key = {.name = (char *)name};
    return bsearch(&key, c->metrics, c->metric_count, sizeof key, catalog_cmp);
}

static void catalog_json_label(struct jsonw *w, const char *vi, const char *en)
{
    jsonw_key(w, "label"), jsonw_object_begin(w);
    jsonw_key(w, "vi"), jsonw_string(w, vi ? vi : "");
    jsonw_key(w, "en"), jsonw_string(w, en ? en : "");
    jsonw_object_end(w);
}

void catalog_json_band(struct jsonw *w, const char *key, double lo, double hi)
{
    jsonw_key(w, key), jsonw_object_begin(w);
    jsonw_key(w, "min"), jsonw_number(w, lo);
    jsonw_key(w, "max"), jsonw_number(w, hi);
    jsonw_object_end(w);
}

static void catalog_json_target(struct jsonw *w, const struct catalog_target *t)
{
    static const char *const ops[] = {">=", "<=", "range"};
    jsonw_key(w, t->id), jsonw_object_begin(w);
    jsonw_key(w, "op"), jsonw_string(w, ops[t->op]);
    if (t->op != CATALOG_GOAL_LE)
        jsonw_key(w, "min"), jsonw_number(w, t->lo);
    if (t->op != CATALOG_GOAL_GE)
        jsonw_key(w, "max"), jsonw_number(w, t->hi);
    if (t->has_warn)
        catalog_json_band(w, "warn", t->warn_lo, t->warn_hi);
    if (t->level)
        jsonw_key(w, "level"), jsonw_string(w, t->level);
    if (t->dims) {
        /* "k=v,k=v" was checked at load. */
        jsonw_key(w, "dims"), jsonw_object_begin(w);
        char *copy = strdup(t->dims), *save = NULL;
        for (char *kv = copy ? strtok_r(copy, ",", &save) : NULL; kv;
             kv = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(kv, '=');
            *eq = '\0';
            jsonw_key(w, kv), jsonw_string(w, eq + 1);
        }
        if (!copy)
            w->oom = true;
        free(copy);
        jsonw_object_end(w);
    }
    jsonw_key(w, "period"), jsonw_object_begin(w);
    jsonw_key(w, "from"), jsonw_uint(w, (uint64_t)t->year_from);
    jsonw_key(w, "to"), jsonw_uint(w, (uint64_t)t->year_to);
    jsonw_object_end(w);
    jsonw_key(w, "basis"), jsonw_string(w, t->basis ? t->basis : "");
    jsonw_object_end(w);
}

char *catalog_json(const struct catalog *c, const char *province)
{
    struct jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, "schema"), jsonw_string(&w, "ioc.catalog/1");
    jsonw_key(&w, "province"), jsonw_string(&w, province);
    jsonw_key(&w, "version"), jsonw_string(&w, c->version ? c->version : "");
    jsonw_key(&w, "units"), jsonw_object_begin(&w);
    for (size_t i = 0; i < c->unit_count; i++) {
        const struct catalog_unit *u = &c->units[i];
        jsonw_key(&w, u->name), jsonw_object_begin(&w);
        jsonw_key(&w, "symbol"), jsonw_string(&w, u->symbol ? u->symbol : "");
        catalog_json_label(&w, u->label_vi, u->label_en);
        jsonw_key(&w, "decimals"), jsonw_uint(&w, (uint64_t)u->decimals);
        jsonw_object_end(&w);
    }
    jsonw_object_end(&w);
    jsonw_key(&w, "metrics"), jsonw_object_begin(&w);
    for (size_t i = 0; i < c->metric_count; i++) {
        const struct catalog_metric *m = &c->metrics[i];
        jsonw_key(&w, m->name), jsonw_object_begin(&w);
        catalog_json_label(&w, m->label_vi, m->label_en);
        jsonw_key(&w, "description"), jsonw_string(&w, m->description ? m->description : "");
        jsonw_key(&w, "unit"), jsonw_string(&w, m->unit ? m->unit->name : "");
        jsonw_key(&w, "decimals"), jsonw_uint(&w, (uint64_t)m->decimals);
        jsonw_key(&w, "aggregate"), jsonw_string(&w, catalog_aggregate_name(m->aggregate));
        jsonw_key(&w, "targets"), jsonw_object_begin(&w);
        for (size_t j = 0; j < m->target_count; j++)
            catalog_json_target(&w, &m->targets[j]);
        jsonw_object_end(&w);
        jsonw_object_end(&w);
    }
    jsonw_object_end(&w);
    jsonw_object_end(&w);
    return jsonw_take(&w, NULL);
}
