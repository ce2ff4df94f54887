#!/bin/sh
# Generates the API reference (docs/reference.md) from the comments in the
# public headers. POSIX sh and awk only.
#
#   scripts/gen-reference.sh [-I INCLUDE_DIR] [OUTPUT]
#
# OUTPUT defaults to stdout ("-" too); INCLUDE_DIR to the repository's
# include/. Headers are read in a fixed order: eddy.h, then the eddy/*.h it
# includes, depth first, in the order the compiler meets them, then any
# other eddy/*.h by name (http.h).
#
# What the headers must look like (anything else stops the script with the
# file and line, rather than lose text):
#   - a file may open with a comment: the header's introduction;
#   - a section banner is a comment whose first line is "/* ----": its first
#     paragraph is the title, the rest the section's prose;
#   - a comment directly above a declaration documents it; declarations
#     with no blank line between them share the comment above the first
#     (a comment right after them, followed by a blank line, is kept in the
#     code block); a comment with a blank line after it is prose of its own;
#   - a declaration is a C declaration ending in ";" (ED_API functions,
#     typedefs, structs, enums) or a #define; a function-like #define right
#     after a function whose name its expansion calls (ed_defer after
#     ed_defer_at) is documented as what users call;
#   - the include guard, ED_API, #if/#include lines and extern "C" are
#     skipped, as is a comment directly above a skipped line.
set -eu

usage() {
  echo "usage: $0 [-I INCLUDE_DIR] [OUTPUT]" >&2
  exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
inc=$here/../include
while getopts I: opt; do
  case $opt in
    I) inc=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage
out=${1:--}

[ -f "$inc/eddy.h" ] || { echo "$0: no eddy.h in $inc" >&2; exit 1; }
inc=$(cd "$inc" && pwd)
LC_ALL=C
export LC_ALL

# The headers, in the order described above.
order=""
visit() {
  case " $order " in *" $1 "*) return 0 ;; esac
  [ -f "$inc/$1" ] || { echo "$0: $1 is included but not in $inc" >&2; exit 1; }
  order="$order $1"
  # shellcheck disable=SC2013 # names, one a line
  for sub in $(sed -n 's|^[ 	]*#[ 	]*include[ 	]*<\(eddy/[A-Za-z0-9_]*\.h\)>.*|\1|p' "$inc/$1"); do
    visit "$sub"
  done
}
visit eddy.h
for f in "$inc"/eddy/*.h; do
  if [ -f "$f" ]; then visit "eddy/${f##*/}"; fi
done

prog=$(cat <<'AWK'
# ---------------------------------------------------------------- input ---
{
    nl++
    sub(/[ \t\r]+$/, "")
    L[nl] = $0; FN[nl] = FILENAME; LN[nl] = FNR
    if (FNR == 1) { nfiles++; fstart[nfiles] = nl; fname[nfiles] = FILENAME }
    fend[nfiles] = nl
}

function die(k, msg) {
    print "gen-reference.sh: " FN[k] ":" LN[k] ": " msg | "cat 1>&2"
    close("cat 1>&2")
    failed = 1
    exit 1
}

function blank(k) { return k > E || L[k] ~ /^[ \t]*$/ }
function is_comment(k) { return k <= E && L[k] ~ /^[ \t]*\/\*/ }
function is_directive(k) { return k <= E && L[k] ~ /^[ \t]*#/ }
function is_banner(k) { return L[k] ~ /^[ \t]*\/\*+ ?----/ }
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }

# The line where the comment opening on line k closes. Code after it on
# the same line is not supported.
function comment_end(k,    j, s) {
    s = L[k]; sub(/^[ \t]*\/\*/, "", s)
    for (j = k; j <= E; j++) {
        if (j > k) s = L[j]
        if (index(s, "*/")) {
            if (trim(substr(s, index(s, "*/") + 2)) != "") die(j, "code after a comment on the same line")
            return j
        }
    }
    die(k, "unterminated comment")
}

# The text of the comment on lines a..b: markers stripped, one line per
# line, "" for the blank lines between paragraphs, none at either end.
function comment_text(a, b,    k, s, t, first) {
    t = ""; first = 1
    for (k = a; k <= b; k++) {
        s = L[k]
        if (k == b) sub(/\*+\/$/, "", s)
        if (k == a) sub(/^[ \t]*\/\*+/, "", s)
        else sub(/^[ \t]*\*?/, "", s)
        s = trim(s)
        if (s == "" && first) continue
        t = t (first ? "" : "\n") s
        first = 0
    }
    while (t ~ /\n$/) sub(/\n$/, "", t)
    return t
}

# ------------------------------------------------------------ markdown ---
function ispunct(c) { return c != "" && index("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) > 0 }
function isalnum(c) { return c ~ /^[A-Za-z0-9]$/ }

# Prose to Markdown. The text must render as written: outside `code spans`,
# a character that Markdown could take for markup is escaped, but only when
# it could: "*result" stays as it is unless another "*" could close it.
function isspace(c) { return c == "" || c == " " || c == "\t" || c == "\n" }

# Whether runs of ch (outside code) could pair up as emphasis or
# strikethrough: an opening run before a closing one (CommonMark's
# flanking rules; "_" may not open or close inside a word).
function may_pair(t, ch,    n, p, q, pv, nx, lf, rf, op, cl, opened) {
    n = length(t); opened = 0
    for (p = 1; p <= n; p++) {
        if (INCODE[p] || substr(t, p, 1) != ch) continue
        for (q = p; q < n && substr(t, q + 1, 1) == ch; q++) ;
        pv = p > 1 ? substr(t, p - 1, 1) : ""; nx = substr(t, q + 1, 1)
        lf = !isspace(nx) && (!ispunct(nx) || isspace(pv) || ispunct(pv))
        rf = !isspace(pv) && (!ispunct(pv) || isspace(nx) || ispunct(nx))
        op = lf; cl = rf
        if (ch == "_") { op = lf && (!rf || ispunct(pv)); cl = rf && (!lf || ispunct(nx)) }
        if (cl && opened) return 1
        if (op) opened = 1
        p = q
    }
    return 0
}

function md_text(t,    n, p, c, nx, o, incode, lines, m, i, s, rest, esc) {
    n = length(t); incode = 0
    split("", INCODE); split("", LONE)
    for (p = 1; p <= n; p++) {
        c = substr(t, p, 1)
        if (c == "`") {
            if (incode) { INCODE[p] = 1; incode = 0; continue }
            if (index(substr(t, p + 1), "`")) incode = 1
            else LONE[p] = 1
        }
        INCODE[p] = incode
    }
    esc["*"] = may_pair(t, "*"); esc["_"] = may_pair(t, "_"); esc["~"] = may_pair(t, "~")
    esc["["] = index(t, "](") > 0
    o = ""
    for (p = 1; p <= n; p++) {
        c = substr(t, p, 1); nx = substr(t, p + 1, 1)
        if (!INCODE[p]) {
            rest = substr(t, p)
            if (LONE[p]) c = "\\`"
            else if (c == "\\" && (ispunct(nx) || nx == "\n" || nx == "")) c = "\\\\"
            else if (c in esc) { if (esc[c]) c = "\\" c }
            else if (c == "<" && (rest ~ /^<\/?[A-Za-z][A-Za-z0-9-]*([ \t\n>]|\/>)/ || rest ~ /^<[!?]/ ||
                                  rest ~ /^<[A-Za-z][A-Za-z0-9+.-]*:/ || rest ~ /^<[^ \t\n<>]*@[^ \t\n<>]*>/)) c = "\\<"
            else if (c == "&" && rest ~ /^&#?[A-Za-z0-9]+;/) c = "&amp;"
        }
        o = o c
    }
    # Nothing at the start of a line may open a block.
    m = split(o, lines, "\n"); o = ""
    for (i = 1; i <= m; i++) {
        s = lines[i]
        if (s ~ /^(#|>|=|[-+*]( |$)|```|~~~|\|)/) s = "\\" s
        else if (s ~ /^[0-9]+[.)]( |$)/) { match(s, /^[0-9]+/); s = substr(s, 1, RLENGTH) "\\" substr(s, RLENGTH + 1) }
        o = o (i > 1 ? "\n" : "") s
    }
    return o
}

# Emits text (comment_text's form) as Markdown paragraphs.
function emit_prose(t,    m, i, lines, para) {
    if (t == "") return
    m = split(t, lines, "\n"); para = ""
    for (i = 1; i <= m + 1; i++) {
        if (i > m || lines[i] == "") {
            if (para != "") { out(""); out(md_text(para)) }
            para = ""
        } else para = para (para == "" ? "" : "\n") lines[i]
    }
}

function out(s) { B[++nb] = s }

function slug(s) {
    s = tolower(s)
    gsub(/[^a-z0-9]+/, "-", s)
    sub(/^-+/, "", s); sub(/-+$/, "", s)
    return s
}

function unique_id(s,    k) {
    if (!(s in ID)) { ID[s] = 1; return s }
    for (k = 2; (s "-" k) in ID; k++) ;
    ID[s "-" k] = 1
    return s "-" k
}

# ------------------------------------------------------------ sections ---
function section(a, b,    t, m, lines, i, s, state, title, prose, short, id) {
    t = comment_text(a, b)
    m = split(t, lines, "\n"); title = ""; prose = ""; state = 0
    for (i = 1; i <= m; i++) {
        s = lines[i]
        if (s ~ /^-+$/) continue
        sub(/^-+ */, "", s); sub(/ *-+$/, "", s)
        if (state == 0) { if (s != "") { title = s; state = 1 } continue }
        if (state == 1) { if (s == "") state = 2; else title = title " " s; continue }
        prose = prose (prose == "" ? "" : "\n") s
    }
    if (title == "") die(a, "a section banner without a title")
    short = title
    sub(/ *[:(,].*$/, "", short)
    id = unique_id(hid "-" slug(short))
    ntoc++; TOC[ntoc] = "  - [" md_text(title) "](#" id ")"
    out(""); out("### <a id=\"" id "\"></a>" md_text(title))
    emit_prose(prose)
    insection = 1; since_heading = 0
}

# A comment that documents no declaration: prose where it stands.
function note(a, b) {
    if (since_heading) { out(""); out("---") }
    emit_prose(comment_text(a, b))
}

# -------------------------------------------------------- declarations ---
# Reads the #define starting on line k (with its continuation lines) into
# decl nd; returns the line after it.
function read_define(k,    j, s, full, code, tc, name, args, p) {
    full = L[k]
    for (j = k; L[j] ~ /\\$/; j++) {
        if (j + 1 > E) die(k, "unterminated #define")
        full = full "\n" L[j + 1]
    }
    s = full
    sub(/^[ \t]*#[ \t]*define[ \t]+/, "", s)
    if (!match(s, /^[A-Za-z_][A-Za-z0-9_]*/)) die(k, "cannot read this #define")
    name = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
    args = ""
    if (substr(s, 1, 1) == "(") { p = index(s, ")"); args = substr(s, 1, p); s = substr(s, p + 1) }
    code = full; tc = ""
    p = index(full, "/*")
    if (p && index(full, "\n") == 0) { code = substr(full, 1, p - 1); sub(/[ \t]+$/, "", code); tc = substr(full, p) }
    nd++
    D_kind[nd] = args == "" ? "const" : "macro"
    D_name[nd] = name; D_head[nd] = name args
    D_code[nd] = code; D_full[nd] = full; D_tc[nd] = tc
    D_expand[nd] = trim(s); D_macro[nd] = ""
    return j + 1
}

# Parameter names of the call text "name(...)" starts: "a, b, c".
function param_names(text, name,    p, depth, c, n, i, piece, o, q) {
    p = index(text, name "(")
    if (!p) return ""
    p += length(name) + 1
    depth = 0; piece = ""; o = ""; n = length(text)
    for (i = p; i <= n; i++) {
        c = substr(text, i, 1)
        if (c == "(") depth++
        else if (c == ")" && depth > 0) depth--
        else if ((c == "," || c == ")") && depth == 0) {
            piece = trim(piece)
            if (piece == "...") q = "..."
            else if (match(piece, /\(\*[ ]*[A-Za-z_][A-Za-z0-9_]*/)) {
                q = substr(piece, RSTART + 2, RLENGTH - 2); q = trim(q)
            } else {
                sub(/\[.*\]$/, "", piece)
                q = ""
                if (match(piece, /[A-Za-z_][A-Za-z0-9_]*$/)) q = substr(piece, RSTART)
                if (piece == "void") q = ""
            }
            if (q != "") o = o (o == "" ? "" : ", ") q
            piece = ""
            if (c == ")") break
            continue
        }
        piece = piece c
    }
    return o
}

# Breaks a long one-line function declaration after commas, continuation
# lines aligned under the first parameter.
function wrap(text, name,    p, n, i, c, depth, pieces, np, piece, indent, line, o, tail) {
    if (length(text) <= WIDTH) return text
    p = index(text, name "(")
    if (!p) return text
    p += length(name)
    indent = ""
    for (i = 0; i < p; i++) indent = indent " "
    np = 0; piece = ""; depth = 0; n = length(text)
    for (i = p + 1; i <= n; i++) {
        c = substr(text, i, 1)
        if (c == "(") depth++
        else if (c == ")" && depth == 0) { tail = substr(text, i); break }
        else if (c == ")") depth--
        if (c == "," && depth == 0) { pieces[++np] = trim(piece); piece = ""; continue }
        piece = piece c
    }
    pieces[++np] = trim(piece)
    line = substr(text, 1, p) pieces[1]; o = ""
    for (i = 2; i <= np; i++) {
        if (length(line ", " pieces[i] (i == np ? tail : ",")) <= WIDTH) line = line ", " pieces[i]
        else { o = o line ",\n"; line = indent pieces[i] }
    }
    return o line tail
}

# Reads the C declaration starting on line k, up to its ";" (and a comment
# after it), into decl nd; returns the line after it.
function read_cdecl(k,    j, s, p, c, c2, n, incom, dp, db, endj, endp, braces, rest, text, name, q) {
    incom = 0; dp = 0; db = 0; endj = 0; braces = 0
    for (j = k; j <= E && !endj; j++) {
        if (j > k && !incom && is_directive(j)) die(j, "a directive inside a declaration")
        s = L[j]; n = length(s)
        for (p = 1; p <= n; p++) {
            c = substr(s, p, 1); c2 = substr(s, p, 2)
            if (incom) { if (c2 == "*/") { incom = 0; p++ } continue }
            if (c2 == "/*") { incom = 1; p++; continue }
            if (c2 == "//") break
            if (c == "\"" || c == "'") {
                for (p++; p <= n && substr(s, p, 1) != c; p++) if (substr(s, p, 1) == "\\") p++
                continue
            }
            if (c == "(") dp++
            else if (c == ")") dp--
            else if (c == "{") { db++; braces = 1 }
            else if (c == "}") db--
            else if (c == ";" && dp == 0 && db == 0) { endj = j; endp = p; break }
        }
    }
    if (!endj) die(k, "a declaration without its ';'")
    rest = trim(substr(L[endj], endp + 1))
    j = endj
    if (rest != "" && substr(rest, 1, 2) != "/*") die(endj, "two declarations on one line")
    if (rest != "" && !index(substr(rest, 3), "*/")) {
        for (j = endj + 1; j <= E && !index(L[j], "*/"); j++) ;
        if (j > E) die(endj, "unterminated comment")
    }
    nd++; D_macro[nd] = ""; D_tc[nd] = ""
    if (braces) {
        # Structs and enums: as written, field comments and all.
        text = ""
        for (q = k; q <= j; q++) text = text (q > k ? "\n" : "") L[q]
        sub(/^[ \t]*ED_API[ \t]+/, "", text)
        D_code[nd] = text; D_full[nd] = text
        s = substr(L[endj], 1, endp - 1)
        sub(/^.*}/, "", s)
        if (!match(s, /[A-Za-z_][A-Za-z0-9_]*/)) {
            s = L[k]; sub(/^[ \t]*(typedef[ \t]+)?/, "", s)
            if (!match(s, /^(struct|union|enum)[ \t]+[A-Za-z_][A-Za-z0-9_]*/)) die(k, "cannot name this declaration")
        }
        D_name[nd] = substr(s, RSTART, RLENGTH); D_head[nd] = D_name[nd]; D_kind[nd] = "type"
        return j + 1
    }
    # Everything else: joined onto one line (then wrapped if long).
    text = ""
    for (q = k; q <= endj; q++) {
        s = q == endj ? substr(L[q], 1, endp) : L[q]
        text = text " " s
    }
    gsub(/[ \t]+/, " ", text); gsub(/\( /, "(", text); gsub(/ \)/, ")", text)
    text = trim(text)
    sub(/^ED_API /, "", text); gsub(/ ED_API /, " ", text)
    if (rest != "") {
        D_tc[nd] = rest
        for (q = endj + 1; q <= j; q++) D_tc[nd] = D_tc[nd] "\n" L[q]
    }
    if (text ~ /^typedef /) {
        D_kind[nd] = "type"
        if (match(text, /\(\*[ ]*[A-Za-z_][A-Za-z0-9_]*[ ]*\)/)) name = substr(text, RSTART + 2, RLENGTH - 3)
        else { s = text; sub(/ *(\[.*\])? *;$/, "", s); match(s, /[A-Za-z_][A-Za-z0-9_]*$/); name = substr(s, RSTART) }
        name = trim(name)
        D_head[nd] = name
    } else if (match(text, /\(\*[ ]*[A-Za-z_][A-Za-z0-9_]*[ ]*\)[ ]*\(/) && RSTART == index(text, "(")) {
        # A pointer to a function: a variable.
        D_kind[nd] = "var"
        name = substr(text, RSTART + 2); sub(/[ ]*\).*$/, "", name); name = trim(name)
        D_head[nd] = name
    } else if (match(text, /[A-Za-z_][A-Za-z0-9_]*[ ]*\(/)) {
        D_kind[nd] = "func"
        name = substr(text, RSTART, RLENGTH - 1); name = trim(name)
        D_head[nd] = name "(" param_names(text, name) ")"
        text = wrap(text, name)
    } else {
        D_kind[nd] = "var"
        s = text; sub(/ *(\[.*\])? *;$/, "", s); match(s, /[A-Za-z_][A-Za-z0-9_]*$/); name = substr(s, RSTART)
        D_head[nd] = name
    }
    if (name == "") die(k, "cannot name this declaration")
    D_name[nd] = name; D_code[nd] = text
    D_full[nd] = text (D_tc[nd] == "" ? "" : " " D_tc[nd])
    return j + 1
}

# The name of the macro #define'd on line k ("" if none).
function define_name(k,    s) {
    s = L[k]
    if (!sub(/^[ \t]*#[ \t]*define[ \t]+/, "", s)) return ""
    match(s, /^[A-Za-z_][A-Za-z0-9_]*/)
    return substr(s, 1, RLENGTH)
}

function skipped_define(k,    nm) {
    nm = define_name(k)
    return nm == "ED_API" || (guard != "" && nm == guard)
}

# "f_at((a), (b), __FILE__)" -> "f_at(a, b, __FILE__)"
function unparen(s,    o, c, p) {
    o = ""
    while (match(s, /\([A-Za-z_][A-Za-z0-9_]*\)/)) {
        p = RSTART; c = substr(s, p - 1, 1)
        if (p > 1 && (c == "(" || c == "," || c == " ")) { o = o substr(s, 1, p - 1) substr(s, p + 1, RLENGTH - 2); s = substr(s, p + RLENGTH) }
        else { o = o substr(s, 1, p); s = substr(s, p + 1) }
    }
    return o s
}

# An entry: the comment on lines a..b (a 0: none) and the declarations
# from line k on. Returns the line after them.
function entry(a, b, k,    first, i, d, j, doc, heads, ids, id, code, nt, notes, x) {
    first = nd + 1; i = k; nt = 0
    while (1) {
        if (is_directive(i)) {
            if (define_name(i) == "" || skipped_define(i)) break
            x = nd
            i = read_define(i)
            # A macro over the function just above: that is what users call.
            if (x >= first && D_kind[x] == "func" && D_kind[nd] == "macro" && D_macro[x] == "" &&
                index(D_expand[nd], D_name[x] "(") == 1) {
                D_macro[x] = D_full[nd]; D_head[x] = D_head[nd]
                D_via[x] = unparen(D_expand[nd]); D_user[x] = D_name[nd]
                nd--
            }
        } else i = read_cdecl(i)
        if (blank(i)) break
        if (is_comment(i)) {
            if (is_banner(i)) break
            j = comment_end(i)
            if (!blank(j + 1)) break
            # A note closing the group: it stays with the code.
            for (x = i; x <= j; x++) notes[++nt] = L[x]
            i = j + 1
            break
        }
    }
    if (nd < first) die(k, "nothing to document here")

    doc = a ? comment_text(a, b) : ""
    # A lone declaration with only a comment after it: that comment is its text.
    if (!a && nd == first && D_tc[nd] != "" && index(D_tc[nd], "\n") == 0 && !nt) {
        doc = D_tc[nd]; sub(/^\/\*+ */, "", doc); sub(/ *\*\/$/, "", doc)
        D_full[nd] = D_code[nd]
    }
    heads = ""; ids = ""
    for (d = first; d <= nd; d++) {
        heads = heads (d > first ? ", " : "") "`" D_head[d] "`"
        id = D_user[d] != "" ? D_user[d] : D_name[d]
        gsub(/ /, "-", id)
        if (!(id in ID)) { ID[id] = 1; ids = ids "<a id=\"" id "\"></a>" }
    }
    out(""); out((insection ? "#### " : "### ") ids heads)
    out(""); out("```c")
    for (d = first; d <= nd; d++) {
        out(D_full[d])
        if (D_macro[d] != "") out(D_macro[d])
    }
    for (x = 1; x <= nt; x++) out(notes[x])
    out("```")
    emit_prose(doc)
    for (d = first; d <= nd; d++) {
        if (D_macro[d] == "") continue
        out("")
        out("A macro for `" D_via[d] "`: call `" D_name[d] "` directly to pass another call site.")
    }
    for (d = first; d <= nd; d++) { delete D_macro[d]; delete D_via[d]; delete D_user[d] }
    nd = first - 1
    since_heading++
    return i
}

# ---------------------------------------------------------------- files ---
function header(f,    i, j, k, s, kw, depth, nm) {
    S = fstart[f]; E = fend[f]
    guard = ""; insection = 0; since_heading = 0
    hid = unique_id(slug(fname[f]))
    ntoc++; TOC[ntoc] = "- [" fname[f] "](#" hid ")"
    out(""); out("## <a id=\"" hid "\"></a>" fname[f])
    i = S
    while (blank(i) && i <= E) i++
    if (is_comment(i) && !is_banner(i)) {
        j = comment_end(i)
        emit_prose(comment_text(i, j))
        i = j + 1
    }
    while (i <= E) {
        if (blank(i)) { i++; continue }
        if (is_directive(i)) {
            s = L[i]; sub(/^[ \t]*#[ \t]*/, "", s)
            match(s, /^[a-z]*/); kw = substr(s, 1, RLENGTH)
            if (kw == "define") {
                if (skipped_define(i)) { while (L[i] ~ /\\$/) i++; i++; continue }
                i = entry(0, 0, i); continue
            }
            if (kw == "ifndef" && guard == "") { nm = trim(substr(s, 7)); guard = nm; i++; continue }
            if (kw == "ifdef" && trim(substr(s, 6)) == "__cplusplus") {
                # extern "C" { ... }: skipped whole.
                depth = 0
                for (; i <= E; i++) {
                    if (L[i] ~ /^[ \t]*#[ \t]*if/) depth++
                    else if (L[i] ~ /^[ \t]*#[ \t]*endif/ && --depth == 0) break
                }
                if (i > E) die(S, "unterminated #ifdef __cplusplus")
                i++; continue
            }
            if (kw ~ /^(if|ifdef|ifndef|elif|else|endif|include|undef|pragma)$/) {
                while (L[i] ~ /\\$/) i++
                i++; continue
            }
            die(i, "an unexpected directive")
        }
        if (is_comment(i)) {
            j = comment_end(i)
            if (is_banner(i)) { section(i, j); i = j + 1; continue }
            k = j + 1
            if (blank(k) || is_comment(k)) { note(i, j); i = k; continue }
            if (is_directive(k) && (define_name(k) == "" || skipped_define(k))) { i = k; continue }
            i = entry(i, j, k); continue
        }
        i = entry(0, 0, i)
    }
}

END {
    if (failed) exit 1
    WIDTH = 96
    for (f = 1; f <= nfiles; f++) header(f)

    print "# eddy API reference"
    print ""
    print "<!-- Generated by scripts/gen-reference.sh from the public headers: do not edit. -->"
    print ""
    print "This file is generated from the comments in eddy's public headers"
    print "(`include/eddy.h` and `include/eddy/*.h`) by"
    print "`scripts/gen-reference.sh docs/reference.md`. Do not edit it by hand:"
    print "change the comments in the headers and run that command again. The"
    print "`reference_fresh` test fails while this file is stale."
    print ""
    print "Each entry shows a declaration as the header has it (without `ED_API`),"
    print "then the comment above it. Where a function ends in `_at`, the heading"
    print "is the macro that calls it."
    print ""
    print "## Contents"
    print ""
    for (t = 1; t <= ntoc; t++) print TOC[t]
    for (b = 1; b <= nb; b++) print B[b]
}
AWK
)

# $order is a list of header names (no spaces, no glob characters).
set -f
generate() {
  # shellcheck disable=SC2086
  (cd "$inc" && awk "$prog" $order)
}

if [ "$out" = "-" ]; then
  generate
else
  # Written whole or not at all: a failed run leaves OUTPUT as it was.
  tmp=$out.tmp.$$
  trap 'rm -f "$tmp"' EXIT
  trap 'exit 1' HUP INT TERM
  generate >"$tmp"
  mv "$tmp" "$out"
fi
