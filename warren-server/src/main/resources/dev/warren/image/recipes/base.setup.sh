# Runs once per build as `/bin/sh -c` inside the fresh debootstrap chroot: root, a clean
# environment, nothing mounted. Whatever is written here is shared by every sandbox, so nothing
# sandbox- or host-specific may stay behind: the runtime provides those at start.
set -eu

# debootstrap copies the build host's resolv.conf and hostname; keep the files (bind targets) empty
rm -f /etc/resolv.conf /etc/hostname
: > /etc/resolv.conf
: > /etc/hostname

# one machine id baked into every sandbox is worse than none (dbus creates one in its postinst)
if [ -e /etc/machine-id ]; then : > /etc/machine-id; fi
rm -f /var/lib/dbus/machine-id

apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*
rm -f /var/log/dpkg.log /var/log/alternatives.log /var/log/bootstrap.log /var/log/apt/*
rm -rf /tmp/* /var/tmp/*

# no man-db here and sandboxes speak C: manuals, info pages and message translations are dead
# weight (about 75 MB); copyright notices stay. dpkg skips them for packages installed later too.
cat > /etc/dpkg/dpkg.cfg.d/warren-slim <<'EXCLUDES'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*/LC_MESSAGES/*
EXCLUDES
find /usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
find /usr/share/doc -mindepth 1 -type d -empty -delete
rm -rf /usr/share/man/* /usr/share/info/*
find /usr/share/locale -path '*/LC_MESSAGES/*' -delete

install -d -m 0700 /root
# /.warren is where the runtime bind-mounts its per-sandbox files; /workspace is the agent's place
install -d -m 0755 /.warren /workspace
