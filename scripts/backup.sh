#!/usr/bin/env bash
# Back up the portal: a pg_dump of the database (custom format), then an archive of the uploaded files.
#
#   DATABASE_URL=postgres://… MEDIA_ROOT=/srv/koperasi/var/media scripts/backup.sh /var/backups/koperasi
#
# Writes koperasi-<UTC time>.dump and koperasi-<UTC time>-media.tar.gz into the folder (created if missing).
# Files appear under their final name only when complete. The media archive is taken after the dump, so it
# holds every file the dump refers to. With an S3-compatible FILE_STORAGE_BACKEND the files are not archived
# here (the bucket keeps them, see docs/operations.md). After a good backup, copies older than
# BACKUP_KEEP_DAYS days (default 14; 0 keeps everything) are deleted from the folder.
set -euo pipefail

die() { printf 'backup.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: DATABASE_URL=postgres://… MEDIA_ROOT=… $0 TARGET_FOLDER"
target=$1
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database of the portal (postgres://…)}"
case "$DATABASE_URL" in
    postgres://* | postgresql://*) ;;
    *) die "DATABASE_URL is not a PostgreSQL URL (postgres://…): only PostgreSQL databases are backed up" ;;
esac
backend=${FILE_STORAGE_BACKEND:-django.core.files.storage.FileSystemStorage}
media=yes
if [ "$backend" != django.core.files.storage.FileSystemStorage ]; then
    media=no
elif [ -z "${MEDIA_ROOT:-}" ]; then
    die "set MEDIA_ROOT to the folder of the uploaded files (the portal's MEDIA_ROOT)"
elif [ ! -d "$MEDIA_ROOT" ]; then
    die "MEDIA_ROOT $MEDIA_ROOT is not a folder (before the first upload: mkdir -p it)"
fi
keep=${BACKUP_KEEP_DAYS:-14}
[[ "$keep" =~ ^[0-9]+$ ]] || die "BACKUP_KEEP_DAYS must be a whole number of days"

umask 077  # the copies hold names, phone numbers, password hashes and the visits' evidence
mkdir -p "$target"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dump="$target/koperasi-$stamp.dump"
archive="$target/koperasi-$stamp-media.tar.gz"
[ ! -e "$dump" ] && [ ! -e "$archive" ] || die "$dump already exists"
trap 'rm -f "$dump.partial" "$archive.partial"' EXIT

pg_dump --format=custom --file="$dump.partial" "$DATABASE_URL"
pg_restore --file=/dev/null "$dump.partial"  # reads the whole dump back: it is complete and readable
mv "$dump.partial" "$dump"
echo "database: $dump ($(du -h "$dump" | cut -f1))"

if [ "$media" = yes ]; then
    # tar exits 1 when a file changed while it was read: an upload that began after the dump, which the dump
    # does not refer to. Anything worse stops the backup.
    status=0
    tar --create --gzip --file="$archive.partial" --directory="$MEDIA_ROOT" . || status=$?
    [ "$status" -le 1 ] || die "tar failed (exit $status) on $MEDIA_ROOT"
    mv "$archive.partial" "$archive"
    echo "files:    $archive ($(du -h "$archive" | cut -f1))"
else
    echo "files:    not archived ($backend keeps them; see docs/operations.md)"
fi

if [ "$keep" -gt 0 ]; then
    find "$target" -maxdepth 1 -type f \( -name 'koperasi-*.dump' -o -name 'koperasi-*-media.tar.gz' \) \
        -mtime +"$((keep - 1))" -print -delete | sed 's/^/deleted:  /'
fi
