#!/usr/bin/env bash
# Rebuilds the committed seed corpus (fuzz/corpus/<target>/) from tests/fixtures.
# Run from anywhere: bash fuzz/seed-corpus.sh
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=tests/fixtures
out=fuzz/corpus
rm -rf "$out"
mkdir -p "$out"/{codec,parse_request,parse_response,template,datetime,xml_reader}

# A fixture's name in the corpus: Function-version-file.
name() { echo "$1" | sed -e "s|^$fixtures/||" -e 's|/|-|g'; }

for f in $(find "$fixtures" -path "$fixtures/templates" -prune -o -name '*.xml' -print | sort); do
    case "$f" in
        *request.xml) cp "$f" "$out/parse_request/$(name "$f")" ;;
        *response.xml) cp "$f" "$out/parse_response/$(name "$f")" ;;
    esac
done

# xml_reader: the primary examples, and the constructs the reader normalises or refuses.
for f in $(find "$fixtures" -name 'request.xml' -o -name 'response.xml' | sort); do
    cp "$f" "$out/xml_reader/$(name "$f")"
done
printf '\xEF\xBB\xBF<?xml version="1.0" encoding="utf-16"?>\r\n<a b="1\t2&#10;3"/>\r\n' \
    > "$out/xml_reader/declaration-bom-crlf"
printf '<a>x\r\ny<!-- c --><?p i?>&lt;&#x41;<![CDATA[ & ]]>\rz<b/></a>' > "$out/xml_reader/text"
printf '<x:a xmlns:x="u" xmlns="v" xsi:nil="true" c=\x27"\x27></x:a>' > "$out/xml_reader/namespaces"
printf '<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>' > "$out/xml_reader/doctype"

# codec: a settings byte and a split-seed byte, then a stream. Each primary example
# alone (default settings), and the GetPatientRecord ones as streams of two documents
# with CRLF and with `<EOF>` (settings bit 0: markers accepted), and with small limits.
n=0
for f in $(find "$fixtures" -name 'request.xml' -o -name 'response.xml' | sort); do
    n=$((n + 1))
    { printf "\\x00\\x$(printf %02x "$n")"; cat "$f"; } > "$out/codec/$(name "$f")"
done
req=$fixtures/GetPatientRecord/v1.0/request.xml
resp=$fixtures/GetPatientRecord/v1.0/f1-narrative-lines.response.xml
{ printf '\x00\x07'; cat "$req"; printf '\r\n'; cat "$resp"; } > "$out/codec/two-documents-crlf"
{ printf '\x01\x08'; cat "$req"; printf '<EOF>'; cat "$req"; printf '<EOF>\n'; } > "$out/codec/eof-markers"
{ printf '\x00\x09\xEF\xBB\xBF'; cat "$fixtures/GetPatientRecord/v1.0/bom.response.xml"; } > "$out/codec/bom"
{ printf '\xfe\x0a'; cat "$req"; } > "$out/codec/small-limits"
printf '\x00\x0b<R a=">" b="/>"><!-- </R> --><![CDATA[</R>]]><?pi </R> ?><R/></R>\n<S/>' \
    > "$out/codec/constructs"

# template: the document's templates, a request fixture, and one with alternatives.
cp "$fixtures"/templates/*.template.xml "$out/template/"
cp "$req" "$out/template/GetPatientRecord-request.xml"
printf '%s\n' '<X><A>@APIKey</A><S>@NewStatus|Booked|Arrived|Finished</S>' \
    '<C Scheme="@Scheme|CTV3|Snomed"></C><E>me@example.com</E></X>' > "$out/template/alternatives"

# datetime: every distinct date, date-time and duration text in the fixtures, and
# the forms of ERRATA E7.
{
    grep -rhoE '[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[+-][0-9:]+)?)?' "$fixtures"
    grep -rhoE '<Duration>[^<]*</Duration>' "$fixtures" | sed -e 's/<[^>]*>//g'
    printf '%s\n' 2017-12-19T12:45:12.0Z 2017-12-19T12:45:12.123+01:00 1933-01-01 10.0 7.5
} | sort -u | while read -r text; do
    printf '%s' "$text" > "$out/datetime/$(echo "$text" | tr ':+.' '__p')"
done
echo "$(find "$out" -type f | wc -l) files, $(cat "$out"/*/* | wc -c) bytes"
