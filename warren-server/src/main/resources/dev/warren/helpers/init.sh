# PID 2 of every Warren sandbox (under tini): keeps Warren's agent running. Without bash, the
# sandbox still works through crun exec; it just idles here.
if [ -x /bin/bash ]; then
  while :; do
    /bin/bash /.warren/agent.sh
    sleep 0.2
  done
fi
exec sleep infinity
