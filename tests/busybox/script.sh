# The busybox test (scripts/aottest.py phase `busybox`): run as `busybox sh script.sh` in a fresh,
# empty working directory, once under qemu-aarch64 (the oracle) and once translated; stdout,
# stderr and the exit status must be equal. Everything printed must be deterministic: no dates,
# pids, inode numbers, user names or absolute paths of the working directory.
# Applets that are not shell builtins are found through PATH (see the phase for how it is set).
# Some applets re-execute busybox through /proc/self/exe (xargs running a non-NOFORK applet, tar's
# compressors), which qemu cannot follow without binfmt_misc. For those few commands the oracle run
# sets AOT_BB_ORACLE=1 and AOT_BB_VIA=<folder of qemu wrapper scripts>/, so that they run an explicit
# wrapper instead; the translated run leaves both empty and busybox does its own re-execution.
VIA=${AOT_BB_VIA:-}
set -u
umask 022
n=0
section() { n=$((n + 1)); echo "== $n $1"; }

section "sh: functions, recursion, loops, case, arithmetic"
fact() { if [ "$1" -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }
for i in 1 5 10 20; do printf '%s! = %s\n' "$i" "$(fact $i)"; done
i=0; total=0
while [ $i -lt 100 ]; do i=$((i + 1)); total=$((total + i * i)); done
echo "sum of squares: $total"
until [ $i -le 95 ]; do i=$((i - 1)); done; echo "until: $i"
for w in apple banana cherry 42 ''; do
  case "$w" in
    a*) echo "$w: starts with a";;
    *an*) echo "$w: contains an";;
    [0-9]*) echo "$w: number";;
    '') echo "(empty)";;
    *) echo "$w: other";;
  esac
done
echo $(( (7 << 3) ^ 0x55 )) $(( -17 / 5 )) $(( -17 % 5 )) $(( 2 ** 10 )) $(( 1 ? 2 : 3 ))
s="hello, world"; echo "${#s} ${s#hello} ${s%world} ${s%%o*} ${s##*o} ${s:-x} ${unset_var:-default}"
set -- a "b c" d; echo "$# args: $1|$2|$3"; shift; echo "after shift: $*"
IFS=: read -r a b c <<'X'
one:two:three:four
X
echo "read: $a $b $c"
f_ret() { return 3; }; f_ret; echo "status $?"
( exit 7 ); echo "subshell status $?"
x=outer; g() { local x=inner; echo "in g: $x"; }; g; echo "after g: $x"
echo "here: $(cat <<EOT
line with $s
EOT
)"
trap 'echo trapped EXIT in subshell' EXIT; ( trap 'echo sub-exit' EXIT; exit 0 ); trap - EXIT
eval 'echo eval: $((3 * 4))'
false || echo "or works"; true && echo "and works"
! false && echo "negation works"

section "redirections and pipes"
echo first > f1; echo second >> f1; cat f1
exec 3> f3; echo via-fd3 >&3; exec 3>&-; cat f3
{ echo to-stderr >&2; echo to-stdout; } 2> err.txt; cat err.txt
ls nonexistent-file 2>/dev/null || echo "ls failed: $?"
cat < f1 | wc -l
printf 'c\nb\na\nb\n' | sort | uniq -c | sort -rn | head -n 1
echo pipeline | tr a-z A-Z | rev | tr -d E
seq 1 10000 | awk '{ s += $1 } END { print s }'
seq 1 200 | grep -E '^(1|2)[0-9]?7$' | tr '\n' ' '; echo

section "text: sort uniq sed awk grep cut tr wc head tail paste fold nl rev expand tac"
cat > data.txt <<'EOT'
banana 3 yellow
apple 10 red
cherry 7 red
date 1 brown
apple 2 green
elderberry 12 purple
fig 5 purple
EOT
sort data.txt
sort -k2,2n data.txt
sort -k3,3 -k1,1r data.txt
sort -u -k1,1 data.txt | cut -d' ' -f1
cut -d' ' -f1 data.txt | sort | uniq -d
cut -c1-3 data.txt | tr '\n' ,; echo
awk '{ n[$3]++; s[$3] += $2 } END { for (k in n) print k, n[k], s[k] }' data.txt | sort
awk -F' ' 'NR % 2 == 0 { printf "%-10s|%5.2f|%x\n", toupper($1), $2 / 3, $2 * 255 }' data.txt
awk 'BEGIN { x = sprintf("%c%c", 72, 105); print x, length("abcdef"), substr("abcdef", 2, 3), index("abc", "c"); split("a:b:c", p, ":"); print p[3]; print int(-3.7), 7 % 3, 2 * 0.25 }'
sed -n '2,4p' data.txt
sed -e 's/\([a-z]*\) \([0-9]*\)/\2=\1/' -e '/purple/d' data.txt
sed '1!G;h;$!d' data.txt
sed -E 's/(a+)(p+)/[\2\1]/g; y/abc/XYZ/' data.txt
grep -E 'red|purple' data.txt
grep -c apple data.txt; grep -v -n e data.txt; grep -i -o 'A[a-z]' data.txt | head -3
grep -E -w '[0-9]{2}' data.txt
grep -q nothing data.txt; echo "grep -q: $?"
wc data.txt; wc -l < data.txt; wc -w -c data.txt
head -n 2 data.txt; head -c 10 data.txt; echo; tail -n 2 data.txt; tail -c 8 data.txt; tail -n +6 data.txt
tr -s ' ' < data.txt | tr ' ' '\t' | cut -f2 | paste -s -d+ | tr -d '\n'; echo
echo "hello world" | tr 'a-y' 'b-z'; echo "aaabbbccc" | tr -s 'a-c'; echo "x1y2z3" | tr -cd '0-9\n'
paste -d: f1 f1
echo "the quick brown fox jumps over the lazy dog" | fold -w 10
nl -ba data.txt | head -3
printf 'a\tb\n' | expand -t 4 | od -c | head -2
echo reversed | rev
printf 'x\ny\n' | tac

section "numbers: seq expr printf factor"
seq 5; seq 2 3 14 | tr '\n' ' '; echo; seq -s, 10 -2 1; seq -w 8 11 | tr '\n' ' '; echo
expr 6 \* 7; expr 100 / 7 % 3; expr length "hello"; expr substr "abcdef" 2 3; expr index "abcdef" d
expr "abc123" : '[a-z]*'; expr 3 \< 10; expr 0 \| 5; expr 5 = 6; echo "expr status $?"
printf '%5d|%-5s|%05.1f|%x|%o|%e|%c|%%|%s\n' 42 ab 3.14159 255 8 12345.678 Z "$(echo q)"
printf '%s-%s\n' a b c d
printf 'esc: \101\t\x42 \\\n'
factor 360 97 1001

section "checksums and encodings: md5sum sha1sum sha256sum sha512sum cksum base64 od hexdump xxd"
printf 'The quick brown fox\n' > q.txt
md5sum q.txt; sha1sum q.txt; sha256sum q.txt; sha512sum q.txt | cut -c1-40
seq 1 1000 > nums.txt; md5sum nums.txt; sha256sum < nums.txt; crc32 nums.txt 2>/dev/null || true
md5sum q.txt nums.txt > sums.md5; md5sum -c sums.md5
base64 q.txt; base64 q.txt | base64 -d; printf '\000\001\377binary' | base64
od -An -tx1 q.txt | head -2; od -c -N 8 q.txt; od -An -td4 -N 16 nums.txt
hexdump -C q.txt; printf 'abc' | hexdump -e '3/1 "%02x " "\n"'
xxd q.txt | head -1; xxd -p nums.txt | head -2

section "compression: gzip gunzip zcat bzip2 bunzip2 bzcat tar"
seq 1 5000 > big.txt; cp big.txt big.orig
gzip -9 big.txt; ls big.txt* ; gunzip big.txt.gz; cmp big.txt big.orig && echo "gzip round trip ok"
gzip -c big.txt > b.gz; zcat b.gz | md5sum; gzip -t b.gz && echo "gzip -t ok"; gunzip -c b.gz | tail -1
bzip2 -k big.txt; bzcat big.txt.bz2 | md5sum; bunzip2 -c big.txt.bz2 | wc -l; bzip2 -t big.txt.bz2 && echo "bzip2 -t ok"
bzip2 -c q.txt | md5sum
mkdir -p tree/sub/deeper; echo one > tree/a; echo two > tree/sub/b; echo three > tree/sub/deeper/c
ln -s ../a tree/sub/link-to-a
tar cf t.tar tree; tar tf t.tar | sort
mkdir out; tar xf t.tar -C out; diff -r tree out/tree && echo "tar round trip ok"
tar czf t.tgz tree; mkdir out2; (cd out2 && tar xzf ../t.tgz); diff -r tree out2/tree && echo "tar z ok"
# tar's compressor (-j) re-executes busybox: the oracle pipes through bzip2 explicitly instead.
if [ "${AOT_BB_ORACLE:-0}" = 1 ]; then tar cf - tree | bzip2 > t.tbz; else tar cjf t.tbz tree; fi
bzcat t.tbz | tar tf - | sort | head -3; mkdir out3; tar xjf t.tbz -C out3; diff -r tree out3/tree && echo "tar j ok"
readlink out/tree/sub/link-to-a

section "files: ls cp mv rm mkdir rmdir ln stat touch find xargs du chmod basename dirname realpath"
mkdir -p d1/d2/d3; touch d1/x d1/y d1/d2/z; ls d1; ls -a d1 | tr '\n' ' '; echo; ls -R d1
ls -1 -r d1; ls -F d1 | tr '\n' ' '; echo
cp q.txt d1/q1; cp -r d1 d1copy; ls -R d1copy | head -4
mv d1copy/q1 d1copy/q2; ls d1copy
rm d1copy/q2; rm -r d1copy; ls -d d1copy 2>/dev/null || echo "d1copy gone"
rmdir d1/d2/d3 && echo rmdir ok; rmdir d1 2>/dev/null || echo "rmdir d1 refused: $?"
ln q.txt hard.txt; ln -s q.txt soft.txt; readlink soft.txt; cat soft.txt
stat -c '%n %s %F %a %h' q.txt hard.txt soft.txt d1; stat -L -c '%s %F' soft.txt
chmod 640 q.txt; stat -c '%a' q.txt; chmod u+x,g-r q.txt; stat -c '%A' q.txt; chmod 644 q.txt
touch empty; stat -c '%s' empty; test -s empty || echo "empty is empty"
find . -name '*.txt' | sort; find d1 -type f | sort; find . -type l | sort; find tree -type d -name 'd*'
find . -maxdepth 1 -name '*.txt' -newer empty | sort | wc -l
find tree -type f | sort | xargs ${VIA}cat; find tree -type f -print0 | xargs -0 -n 1 basename | sort
echo a b c d e | xargs -n 2 echo pair:
du -s tree >/dev/null && echo "du ok"
basename /usr/local/lib/libfoo.so.1; basename file.tar.gz .gz; dirname /usr/local/lib/libfoo.so.1; dirname file
mkdir -p p/q; cd p/q; pwd | sed 's|.*/p/q|.../p/q|'; cd ../..; realpath soft.txt | sed 's|.*/||'
echo "d1 has $(ls d1 | wc -l) entries"

section "dd cmp diff test"
dd if=nums.txt of=part.txt bs=10 count=3 2>/dev/null; cat part.txt; echo
dd if=nums.txt bs=1 skip=100 count=20 2>/dev/null | od -c | head -2
dd if=/dev/zero bs=512 count=4 2>dd.err | wc -c; cat dd.err
printf 'a\nb\nc\n' > v1; printf 'a\nB\nc\nd\n' > v2
cmp v1 v2; echo "cmp status $?"; cmp v1 v1 && echo "same"; cmp -s v1 v2 || echo "cmp -s differs"
diff v1 v2; echo "diff status $?"; diff -u v1 v2 | tail -n +3
test 3 -lt 5 && echo "3 < 5"; [ abc = abc ] && echo "string eq"; [ -n "" ] || echo "empty string"
[ -d tree ] && [ -f q.txt ] && [ ! -e nope ] && [ -L soft.txt ] && [ -r q.txt ] && echo "file tests ok"
[ 10 -ge 10 -a 2 -ne 3 ] && echo "compound test"; test "a" \< "b" && echo "a sorts before b"

section "misc: yes true false env sleep usleep cat uname which mktemp tee strings"
yes | head -3; yes hi | head -n 2
true; echo "true $?"; false; echo "false $?"
FOO=bar env | grep "^FOO="; FOO=baz env | grep '^FOO='
sleep 0; usleep 1; echo slept
cat -n f1; cat -A f1 2>/dev/null || cat f1
uname -m
echo "which sh: $(which sh >/dev/null && echo found)"
mktemp -d tmpXXXXXX > /dev/null && echo "mktemp ok"
printf 'b\na\n' | sort -r | tee tee.out >/dev/null; cat tee.out
strings -n 6 /dev/null; echo "strings ok"
echo "done: $n sections"
exit 3
