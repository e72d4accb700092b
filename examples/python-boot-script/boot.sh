#!/bin/bash
# The container's start: record the boot where the app reads it, then serve. gunicorn has
# no --bind here, as in many real scripts; the image tells it where to listen.
set -eu
mkdir -p /var/lib/greeter
echo "booted by boot.sh" > /var/lib/greeter/booted-by
exec gunicorn --access-logfile - greeter:app
