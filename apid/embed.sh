#!/bin/sh
# embed.sh NAME FILE: a C file defining NAME[] (FILE's bytes, NUL after)
# and NAME_len, for documents kept in the tree and compiled into apid.
set -eu
echo "/* Made from $(basename "$2") by make: do not edit. */"
echo '#include <stddef.h>'
echo "extern const char $1[];"
echo "extern const size_t $1_len;"
echo "const char $1[] = {"
od -An -v -tx1 "$2" | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'
echo '0 };'
echo "const size_t $1_len = sizeof($1) - 1;"
