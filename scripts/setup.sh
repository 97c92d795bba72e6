#!/usr/bin/env bash
# Set up everything cvm-helpdesk needs on a fresh machine, idempotently:
#   .venv       the app (Python 3.11): knowledge, index, rules, API, CLI
#   .venv-rasa  the bot (Python 3.10): Rasa Open Source 3.6 and rasa-sdk's action server
# then build the index and train the bot if they are missing or stale.
#
#   scripts/setup.sh          what the service needs to run
#   scripts/setup.sh --dev    also test tools (mypy in both), sentence-transformers (CPU torch) and Chromium
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1
export RASA_TELEMETRY_ENABLED=false PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
quiet_pip() { "$@" 2> >(grep -v "^WARNING: Location" >&2); }

find_python() {  # find_python 3.11 -> path of a python of that minor version
  local want="$1" candidate
  for candidate in "python$want" "$(command -v pyenv >/dev/null && echo "$(pyenv root)/versions/$(pyenv versions --bare 2>/dev/null | grep "^$want\." | tail -1)/bin/python$want")" python3; do
    if [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null 2>&1 \
       && [[ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" == "$want" ]]; then
      command -v "$candidate"; return 0
    fi
  done
  echo "error: Python $want not found; install it (e.g. 'pyenv install $want') and run this again" >&2
  return 1
}

stamp_ok() { [[ -f "$1" && "$(cat "$1")" == "$2" ]]; }

# --- the app -----------------------------------------------------------------
APP_HASH="$(cat pyproject.toml | sha256sum | cut -c1-16)-dev$DEV"
if ! stamp_ok .venv/.setup-stamp "$APP_HASH"; then
  say "app environment (.venv, Python 3.11)"
  [[ -x .venv/bin/python ]] || "$(find_python 3.11)" -m venv .venv
  quiet_pip .venv/bin/pip install -q --upgrade pip
  if [[ $DEV == 1 ]]; then
    # The CPU build of torch first, or sentence-transformers pulls a multi-GB CUDA build.
    quiet_pip .venv/bin/pip install -q torch==2.13.0
    quiet_pip .venv/bin/pip install -q -e ".[dev,st]"
  else
    quiet_pip .venv/bin/pip install -q -e .
  fi
  echo "$APP_HASH" > .venv/.setup-stamp
fi

# --- the bot -----------------------------------------------------------------
# Dev tools of the bot environment: mypy for actions/ and bot/ (mypy-rasa.ini), the app's version;
# pytest for the actions' unit tests (tests/actions). pytest 7.4: later ones need packaging>=24,
# and Rasa 3.6 pins packaging<21.
RASA_DEV_TOOLS="mypy==2.4.1 pytest==7.4.4"
RASA_HASH="$(sha256sum requirements-rasa.txt | cut -c1-16)-dev$DEV"
[[ $DEV == 1 ]] && RASA_HASH+="-$RASA_DEV_TOOLS"
if ! stamp_ok .venv-rasa/.setup-stamp "$RASA_HASH"; then
  say "bot environment (.venv-rasa, Python 3.10, Rasa 3.6)"
  [[ -x .venv-rasa/bin/python ]] || "$(find_python 3.10)" -m venv .venv-rasa
  quiet_pip .venv-rasa/bin/pip install -q --upgrade pip
  quiet_pip .venv-rasa/bin/pip install -q -r requirements-rasa.txt
  if [[ $DEV == 1 ]]; then
    # shellcheck disable=SC2086 # several packages
    quiet_pip .venv-rasa/bin/pip install -q $RASA_DEV_TOOLS
  fi
  echo "$RASA_HASH" > .venv-rasa/.setup-stamp
fi

# --- browser for the widget and dashboard tests ------------------------------------
# Debian's Chromium (Playwright drives it; no browser download), and a CJK font so
# Chinese renders in the screenshots.
if [[ $DEV == 1 ]] && { ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wenquanyi"; }; then
  say "Chromium and a CJK font (Debian packages) for the browser tests"
  SUDO=""; [[ $(id -u) == 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi

# --- firewall and socket tools for the evidence readers' tests -------------------------
# tests/evidence produce real iptables, nft, ss, netstat, ufw and firewalld output in a
# throwaway network namespace (and mount namespace for ufw/firewalld); nothing touches the
# host's own firewall. policy-rc.d keeps the firewalld package from starting its daemon.
FIREWALL_TOOLS=(iptables nftables iproute2 net-tools ufw firewalld)
if [[ $DEV == 1 && $(id -u) == 0 ]] && ! { command -v nft && command -v ufw && command -v firewall-offline-cmd \
     && command -v netstat && command -v iptables-save; } >/dev/null 2>&1; then
  say "firewall and socket tools (Debian packages) for the evidence readers' tests"
  guard=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${FIREWALL_TOOLS[@]}" >/dev/null
  if [[ -n $guard ]]; then rm -f /usr/sbin/policy-rc.d; fi
fi

# --- data ----------------------------------------------------------------------
say "index (rebuilt only if missing or stale)"
.venv/bin/helpdesk index status >/dev/null 2>&1 || .venv/bin/helpdesk index build
if [[ -x scripts/bot.sh ]]; then
  say "bot model (trained only if missing or stale)"
  scripts/bot.sh train
fi
say "setup done"
