# Installs Debian packages a set-up script found missing; sourced by scripts/setup-*.
# Each script checks for every tool itself (the file it calls, not a proxy such
# as another package of the same toolchain) and passes only what is missing.
#
#   apt_install_missing NAME CHECK_ONLY PACKAGE...   (nothing to do without packages)

apt_install_missing() {
  local name=$1 check_only=$2
  shift 2
  (($#)) || return 0
  if ((check_only)); then
    echo "$name: missing system packages: $* (apt-get install -y $*)" >&2
    return 1
  fi
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$name: missing system packages: $*; install them with: sudo apt-get install -y $*" >&2
    return 1
  fi
  echo "$name: installing $*" >&2
  # A new machine may have no package lists yet: update once, then retry.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2 \
    || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2; } \
    || { echo "$name: apt-get install $* failed" >&2; return 1; }
}
