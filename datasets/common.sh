# Shared by the dataset scripts (sourced, not run).

# stage_into DIR NAME: makes DIR when it is missing, and a temporary directory $work inside it, so
# that the final mv of each file is a rename on one file system: a reader sees either no file or a
# complete, verified one. On exit, normal or by Ctrl-C / TERM / HUP, $work is removed, and DIR too
# when this call created it and it is still empty.
stage_into() {
  staging_dir=$1
  staging_created=0
  [ -d "$staging_dir" ] || { mkdir -p "$staging_dir"; staging_created=1; }
  work=$(mktemp -d "$staging_dir/.$2.XXXXXX")
  trap 'rm -rf "$work"; if [ $staging_created = 1 ]; then rmdir "$staging_dir" 2>/dev/null || true; fi' EXIT
  trap 'exit 130' INT TERM HUP
}
