#!/usr/bin/env bash
# test_http_json_config - the http_json connector's mapping judged by
# `iocd --check-config`: every malformed configuration below is refused
# (exit 1) with exactly one error line, compared whole:
# `FILE:LINE: key: message` (or `FILE: message` for what no single key
# holds); one file with many mistakes gets all of them in one run; the four
# example instances of conf/examples/ pass (exit 0). name_from, name_map,
# unit_from, unit_map and target_from: each mistake with its line.
#
# Each case is its own configuration tree, so the error list is that
# case's alone. Line numbers are those of the files written here: the base
# mapping (lines 1..7) followed by the case's own lines (8..).
source "$(dirname "$0")/lib.sh"

# The smallest valid mapping; cases add lines after it or replace it.
BASE='plugin = http_json
url = http://127.0.0.1:9/feed
records = items[]
area = maXa
metric.n.name = test.count
metric.n.value = n
metric.n.unit = count'

# run_check NAME: --check-config of the tree $tmp/NAME; output in
# $tmp/NAME.out and .err, exit status in $rc.
run_check() {
    "$IOCD" -c "$tmp/$1/iocd.conf" --check-config >"$tmp/$1.out" 2>"$tmp/$1.err"
    rc=$?
}

# refuse NAME EXPECTED-LINE < FILE-TEXT: connectors.d/NAME.conf holding
# FILE-TEXT is refused (exit 1) with EXPECTED-LINE (@ stands for the
# file's path) as the only error line naming the file.
refuse() {
    local name=$1 want=$2 file got
    make_conf "$tmp/$name"
    file=$tmp/$name/connectors.d/$name.conf
    cat >"$file"
    want=${want//@/$file}
    run_check "$name"
    same 1 "$rc" "$name: --check-config exits 1"
    got=$(grep -F -- "$file" "$tmp/$name.err" | grep -vF ': warning: ') # warnings are not errors
    same "$want" "$got" "$name: exactly this one error line"
}

### the base passes ##########################################################
make_conf "$tmp/base"
printf '%s\n' "$BASE" >"$tmp/base/connectors.d/base.conf"
run_check base
same 0 "$rc" "the base mapping of every case passes --check-config"
check "... and says so" grep -q "configuration OK: 1 connector instance (1 enabled)" "$tmp/base.out"

### one mistake each #########################################################
refuse attr_unknown '@:8: metric.n.fielt: unknown attribute `fielt` (attributes: name, value, numerator, denominator, scale, unit, sum, where, if, numerator_if, denominator_if, dims, optional, decimals, target, name_from, name_map, unit_from, unit_map, target_from, dim.<key>)' <<EOF
$BASE
metric.n.fielt = n
EOF

refuse unit_unknown '@:7: metric.n.unit: `conut` is not a unit: count, percent, permille, ratio, score, seconds, days, bytes, vnd, cm, mm, celsius, ug_m3, m3_s, ha or km' <<EOF
${BASE%count}conut
EOF

refuse value_and_ratio '@:5: metric.n.name: metric `n` has both `value` and a ratio (`numerator`, `denominator`): keep one' <<EOF
$BASE
metric.n.numerator = a
metric.n.denominator = a + b
EOF

refuse numerator_alone '@:8: metric.r.name: metric `r` has a numerator but no denominator' <<EOF
$BASE
metric.r.name = test.share
metric.r.numerator = a
metric.r.unit = percent
EOF

refuse path_unterminated '@:8: metric.q.value: term `"a.b`: unterminated quoted key at column 1' <<EOF
$BASE
metric.q.value = "a.b
metric.q.unit = count
EOF

refuse value_each '@:6: metric.n.value: term `items[].n` has `[]`, which names many values' <<EOF
${BASE/metric.n.value = n/metric.n.value = items[].n}
EOF

refuse area_each '@:4: area: path `list[]` has `[]`, which names many values; here one value is needed (use [0] for the first element)' <<EOF
${BASE/area = maXa/area = list[]}
EOF

refuse where_no_operator '@:8: metric.n.where: `trangThai`: write `field == value`, `field != value`, `field in a, b` or `field not in a, b`' <<EOF
$BASE
metric.n.where = trangThai
EOF

refuse dims_undeclared '@:9: metric.n.dims: `operator` is not a dimension set with dim.operator (dimensions: linh_vuc)' <<EOF
$BASE
dim.linh_vuc = linhVuc
metric.n.dims = operator
EOF

refuse page_without_param '@:8: pagination: `page` needs `page_param`, the query parameter of the page number' <<EOF
$BASE
pagination = page
page_total = total
EOF

refuse cursor_with_page '@:10: cursor: belongs to `pagination = cursor`, but pagination is `page`' <<EOF
$BASE
pagination = page
page_param = page
cursor = next
EOF

refuse area_and_const '@:8: area_const: give either `area` (a field) or `area_const` (a fixed code), not both' <<EOF
$BASE
area_const = 96
EOF

refuse no_area '@: no area: set `area` to the field holding each record'"'"'s commune or province code, or `area_const` to a fixed code' <<EOF
${BASE/area = maXa
/}
EOF

refuse time_format_unknown '@:9: time_format: `iso8601` is not one of: rfc3339, epoch_s, epoch_ms, yyyyMMddHHmmss, date' <<EOF
$BASE
time = t
time_format = iso8601
EOF

refuse number_strings_unknown '@:8: number_strings: `vietnamese` is not one of: reject, point_decimal ("1,234.5"), comma_decimal ("1.234,5")' <<EOF
$BASE
number_strings = vietnamese
EOF

refuse target_bad '@:8: metric.n.target: `> 5`: write `>= 95` or `<= 5`' <<EOF
$BASE
metric.n.target = > 5
EOF

refuse same_series '@:8: metric.m.name: metrics `n` and `m` publish the same series (`test.count` with the same dimensions); give one a metric.m.dim.<key>' <<EOF
$BASE
metric.m.name = test.count
metric.m.value = n2
metric.m.unit = count
EOF

refuse metric_name_bad '@:5: metric.n.name: `Test.Count` is not a metric name (lowercase [a-z][a-z0-9_]* parts joined by dots, at most 64 bytes)' <<EOF
${BASE/test.count/Test.Count}
EOF

refuse query_without_eq '@:8: query.limit: write `name=value` (e.g. query.unit = maDonVi=000.00.01)' <<EOF
$BASE
query.limit = limit
EOF

refuse header_without_colon '@:8: header.key: write `Name: value` (e.g. header.key = X-Api-Key: abc)' <<EOF
$BASE
header.key = X-Api-Key abc
EOF

refuse bearer_without_token '@:8: auth: bearer needs `token` or `token_file`' <<EOF
$BASE
auth = bearer
EOF

refuse decimals_9 '@:8: metric.n.decimals: `9` is not a whole number from 0 to 6' <<EOF
$BASE
metric.n.decimals = 9
EOF

refuse records_from_root '@:3: records: `$` is the page itself already; drop it' <<EOF
${BASE/records = items[]/records = \$.items[]}
EOF

refuse period_half '@:8: period_from: give both `period_from` and `period_to`, or neither' <<EOF
$BASE
period_from = tuNgay
EOF

refuse sum_unknown '@:8: metric.n.sum: `commune` is not one of: none, area, province' <<EOF
$BASE
metric.n.sum = commune
EOF

refuse no_unit '@:8: metric.k.value: metric `k` has no unit: set metric.k.unit (count, percent, ratio, ...)' <<EOF
$BASE
metric.k.value = k
metric.k.name = test.k
EOF

refuse authorization_header '@:8: header.auth: use auth = bearer with token_file (or basic) instead of an Authorization header: secrets belong in a file, not here' <<EOF
$BASE
header.auth = Authorization: Bearer abc
EOF

refuse scale_not_ratio '@:5: metric.n.name: metric `n`: `scale` applies to ratios only' <<EOF
$BASE
metric.n.scale = 100
EOF

refuse area_const_bad '@:4: area_const: `123` is not a 2-digit province or 5-digit commune code' <<EOF
${BASE/area = maXa/area_const = 123}
EOF

refuse dim_key_upper "@:8: key name has an upper-case letter at column 5: use lowercase letters, digits, '_' or '.'" <<EOF
$BASE
dim.Operator = nhaMang
EOF

refuse dim_suffix_unknown '@:8: dim.operator.cons: write `dim.<key> = path` or `dim.<key>.const = text`' <<EOF
$BASE
dim.operator.cons = Viettel
EOF

refuse next_link_missing '@:8: pagination: `next_link` needs `next_link`, the path of the next page'"'"'s URL in each page' <<EOF
$BASE
pagination = next_link
EOF

refuse time_zone_bad '@:9: time_zone: `ICT` is not a UTC offset like +07:00 (or Z)' <<EOF
$BASE
time = t
time_zone = ICT
EOF

### name_from / unit_from / target_from (issue 12 item 7) ##################
# FROM: a metric `k` whose name and unit come from the record; cases add
# to it (its keys are lines 5..9).
FROM='plugin = http_json
url = http://127.0.0.1:9/feed
records = items[]
area = maXa
metric.k.value = gia_tri
metric.k.name_from = ma_chi_tieu
metric.k.name_map = CT01 = dvc.online_ratio, CT02 = dvc.on_time_ratio
metric.k.unit_from = don_vi
metric.k.unit_map = % = percent, ‰ = permille'
make_conf "$tmp/from_ok"
printf '%s\n%s\n' "$FROM" 'metric.k.name_map.ct03 = CT03 = dvc.satisfaction_ratio' \
    >"$tmp/from_ok/connectors.d/from_ok.conf"
run_check from_ok
same 0 "$rc" "from_ok: name_from, name_map (a list and a labelled key), unit_from, unit_map pass"

refuse name_map_bad_name '@:7: metric.k.name_map: code `CT01`: `Dvc.Online` is not a metric name (metric names are lowercase [a-z][a-z0-9_]* parts joined by dots, at most 64 bytes)' <<EOF
${FROM/CT01 = dvc.online_ratio/CT01 = Dvc.Online}
EOF

refuse name_map_twice '@:10: metric.k.name_map.again: code `CT02` is given twice' <<EOF
$FROM
metric.k.name_map.again = CT02 = dvc.online_ratio
EOF

refuse name_map_no_eq '@:7: metric.k.name_map: `CT01 dvc.online_ratio` has no '"'"'='"'"': write `CODE = metric name`' <<EOF
${FROM/CT01 = dvc.online_ratio/CT01 dvc.online_ratio}
EOF

refuse name_from_without_map '@:5: metric.k.value: metric `k`: `name_from` needs `name_map`, the allow-list of what the field may hold (e.g. metric.k.name_map = CT01 = dvc.online_ratio, CT02 = dvc.on_time_ratio)' <<EOF
$(grep -v '^metric.k.name_map' <<<"$FROM")
EOF

refuse name_and_name_from '@:5: metric.k.value: metric `k` has both `name` and `name_from`: keep one' <<EOF
$FROM
metric.k.name = dvc.online_ratio
EOF

refuse unit_map_bad_unit '@:9: metric.k.unit_map: code `%`: `percents` is not a unit (units: count, percent, permille, ratio, score, seconds, days, bytes, vnd, cm, mm, celsius, ug_m3, m3_s, ha or km)' <<EOF
${FROM/= percent,/= percents,}
EOF

refuse unit_and_unit_from '@:5: metric.k.value: metric `k` has both `unit` and `unit_from`: keep one' <<EOF
$FROM
metric.k.unit = percent
EOF

refuse unit_map_without_from '@:5: metric.n.name: metric `n`: `unit_map` means something only with `unit_from`, the field it looks up' <<EOF
$BASE
metric.n.unit_map = % = percent
EOF

refuse target_from_no_op '@:8: metric.n.target_from: `muc_bao_dong`: write `>= field` or `<= field` (e.g. `<= muc_bao_dong`: ok while the value stays at or below the record'"'"'s own alarm level)' <<EOF
$BASE
metric.n.target_from = muc_bao_dong
EOF

refuse target_and_target_from '@:9: metric.n.target_from: metric `n` has both `target` and `target_from`: keep one' <<EOF
$BASE
metric.n.target = <= 5
metric.n.target_from = <= muc_bao_dong
EOF

refuse target_from_sum '@:5: metric.n.name: metric `n`: `target_from` works with a `value` of one record: not with a ratio or a `sum`' <<EOF
$BASE
metric.n.sum = province
metric.n.target_from = <= muc_bao_dong
EOF

### many mistakes in one file: every one reported ##########################
make_conf "$tmp/many"
many=$tmp/many/connectors.d/many.conf
cat >"$many" <<EOF
plugin = http_json
url = http://127.0.0.1:9/feed
records = items[
area = maXa
area_const = 96
time_format = unix
pagination = cursor
cursor = next
metric.a.value = a
metric.a.unit = conut
metric.b.value = b
metric.b.unit = count
metric.b.where = kind
metric.b.decimals = 7
EOF
run_check many
same 1 "$rc" "many mistakes: --check-config exits 1"
cat >"$tmp/many.want" <<EOF
$many:3: records: path \`items[\`: expected an index or \`]\` after \`[\` at column 7, found the end
$many:5: area_const: give either \`area\` (a field) or \`area_const\` (a fixed code), not both
$many:6: time_format: \`unix\` is not one of: rfc3339, epoch_s, epoch_ms, yyyyMMddHHmmss, date
$many:10: metric.a.unit: \`conut\` is not a unit: count, percent, permille, ratio, score, seconds, days, bytes, vnd, cm, mm, celsius, ug_m3, m3_s, ha or km
$many:13: metric.b.where: \`kind\`: write \`field == value\`, \`field != value\`, \`field in a, b\` or \`field not in a, b\`
$many:14: metric.b.decimals: \`7\` is not a whole number from 0 to 6
$many:7: pagination: \`cursor\` needs \`cursor_param\`, the query parameter that carries the cursor
EOF
grep -F -- "$many" "$tmp/many.err" | sort >"$tmp/many.got"
sort "$tmp/many.want" >"$tmp/many.want.sorted"
if diff "$tmp/many.want.sorted" "$tmp/many.got" >"$tmp/diff"; then
    pass "many mistakes: all 7 reported in one run, each line whole"
else
    fail "many mistakes: all 7 reported in one run, each line whole"
    sed 's/^/#   /' "$tmp/diff"
fi
contains "$tmp/many.err" "$tmp/many/iocd.conf: 7 errors" "many mistakes: the summary counts 7 errors"

### the examples pass ######################################################
make_conf "$tmp/examples"
cp conf/examples/ioffice.conf conf/examples/dvc.conf conf/examples/telecom.conf \
    conf/examples/pakn.conf "$tmp/examples/connectors.d/"
run_check examples
same 0 "$rc" "the four conf/examples/*.conf pass --check-config (exit 0)"
check "... as 4 enabled http_json instances" \
    grep -q "configuration OK: 4 connector instances (4 enabled)" "$tmp/examples.out"
same "" "$(cat "$tmp/examples.err")" "... with nothing on stderr"
finish
