# Sourced by the REST and SOAP benchmarks: a Debian nginx serving the files
# of one directory on a free loopback port, keep-alive on, no access log
# (so the server's cost stays small and equal for every client).
#   nginx_start ROOT WORKDIR   sets NGINX_PORT; nginx_stop WORKDIR
# A POST to a file answers the file too (SOAP endpoints are POSTed to):
# nginx's static handler refuses POST with 405, turned into the file by
# error_page.
nginx_start() {
  local root=$1 dir=$2
  command -v nginx >/dev/null || PATH=$PATH:/usr/sbin
  command -v nginx >/dev/null || { echo "no nginx: apt-get install nginx-light (scripts/install-deps.sh)" >&2; return 1; }
  mkdir -p "$dir/tmp"
  NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$dir/nginx.conf" <<CONF
user $(id -un) $(id -gn);
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  types { application/json json; text/xml xml; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $root;
    sendfile on;
    error_page 405 =200 \$uri;
  }
}
CONF
  nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log"
  for _ in $(seq 50); do
    curl -fso /dev/null "http://127.0.0.1:$NGINX_PORT/" -o /dev/null 2>/dev/null && return 0
    [ -s "$dir/nginx.pid" ] && curl -so /dev/null -w '%{http_code}' "http://127.0.0.1:$NGINX_PORT/" 2>/dev/null | grep -q '^[1-5]' && return 0
    sleep 0.1
  done
  echo "nginx did not start: $(tail -3 "$dir/error.log")" >&2
  return 1
}

nginx_stop() {
  local dir=$1
  [ -s "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
  rm -f "$dir/nginx.pid"
}
