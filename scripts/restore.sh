#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into a NEW database on the server of DATABASE_URL, and optionally
# unpack the media archive into a new, empty folder. Nothing existing is overwritten: a database or folder
# that is already there is refused, and a failed restore drops the database it created.
#
#   DATABASE_URL=postgres://… scripts/restore.sh koperasi-20250101T010000Z.dump koperasi_restored \
#       [koperasi-20250101T010000Z-media.tar.gz /srv/koperasi/var/media-restored]
#
# DATABASE_URL only says which server to use and how to sign in (its database name is replaced by the new one).
# Then point DATABASE_URL (and MEDIA_ROOT) at the restored copies and run `manage.py migrate --check`.
set -euo pipefail

die() { printf 'restore.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || [ $# -eq 4 ] || die "usage: DATABASE_URL=postgres://… $0 DUMP NEW_DATABASE [MEDIA_ARCHIVE NEW_MEDIA_FOLDER]"
dump=$1 name=$2 archive=${3:-} folder=${4:-}
: "${DATABASE_URL:?set DATABASE_URL to any database on the server to restore to (postgres://…/postgres)}"
[[ "$DATABASE_URL" =~ ^(postgres|postgresql)://[^/]*/[^/?]*(\?.*)?$ ]] \
    || die "DATABASE_URL must look like postgres://user@host:5432/database"
[[ "$name" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "name the new database with lower-case letters, digits and _"
[ -f "$dump" ] || die "no dump at $dump"
if [ -n "$archive" ]; then
    [ -f "$archive" ] || die "no media archive at $archive"
    [ ! -e "$folder" ] || [ -z "$(ls -A "$folder")" ] || die "$folder is not empty: unpack into a new folder"
fi

query=""
[[ "$DATABASE_URL" == *\?* ]] && query="?${DATABASE_URL#*\?}"
server=${DATABASE_URL%%\?*}
server=${server%/*}
target="$server/$name$query"

createdb --maintenance-db="$DATABASE_URL" "$name"  # refuses a name that exists
trap 'echo "restore.sh: restore failed, dropping $name" >&2; dropdb --maintenance-db="$DATABASE_URL" "$name"' ERR
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$target" "$dump"
trap - ERR
echo "database: restored into $name"

if [ -n "$archive" ]; then
    mkdir -p "$folder"
    tar --extract --gzip --file="$archive" --directory="$folder"
    echo "files:    unpacked into $folder"
fi
