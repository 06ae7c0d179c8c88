# Shared by the dataset scripts (sourced, not run).

# stage_into DIR NAME: makes DIR when it is missing, and a temporary directory $work inside it, so
# that the final mv of each file is a rename on one file system: a reader sees either no file or a
# complete, verified one. On exit, normal or by Ctrl-C / TERM / HUP, $work is removed, and so are
# DIR and the parents this call created, as long as they are empty.
# $work is absolute, so it stays valid after a `cd` in a subshell, whatever DIR was relative to.
# Its name carries this shell's pid: staging directories of NAME whose process is gone (killed
# with -9, or a machine that lost power) are removed here before a new one is made.
stage_into() {
  staging_dir=$1
  staging_created_top=""
  local d=$staging_dir
  while [ ! -d "$d" ]; do staging_created_top=$d; d=$(dirname "$d"); done
  mkdir -p "$staging_dir"
  staging_dir=$(cd "$staging_dir" && pwd -P)
  [ -z "$staging_created_top" ] || staging_created_top=$(cd "$staging_created_top" && pwd -P)
  local stale pid
  for stale in "$staging_dir/.$2".*; do
    [ -d "$stale" ] || continue
    pid=${stale#"$staging_dir/.$2".}
    pid=${pid%%.*}
    # Only directories named by this scheme (.NAME.PID.XXXXXX) whose process is no longer alive.
    [[ $pid =~ ^[0-9]+$ ]] || continue
    [ -d "/proc/$pid" ] && continue
    echo "${2}: removing $stale, left by process $pid, which is gone"
    rm -rf "$stale"
  done
  work=$(mktemp -d "$staging_dir/.$2.$$.XXXXXX")
  trap 'rm -rf "$work"; remove_created_dirs' EXIT
  trap 'exit 130' INT TERM HUP
}

# The directories stage_into created, leaf first, while they are empty.
remove_created_dirs() {
  [ -n "$staging_created_top" ] || return 0
  local d=$staging_dir
  while rmdir "$d" 2>/dev/null && [ "$d" != "$staging_created_top" ]; do d=$(dirname "$d"); done
  return 0
}
