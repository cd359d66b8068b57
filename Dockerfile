# Pogo image: built with the same scripts/setup as a developer machine.
#   docker build -t pogo .
#   docker run -p 8080:8080 -v $PWD:/app pogo      (serves /app/public with /etc/pogo/Caddyfile)

FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN scripts/setup \
 && cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build -j"$(nproc)" --target pogo \
 && rm -rf /var/cache/pogo/src /var/cache/pogo/php-src-*

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libuv1 libxml2 libsqlite3-0 libcurl4 \
      libssl3 libonig5 libpng16-16 libjpeg62-turbo libfreetype6 libicu72 libzip4 libsodium23 libpq5 \
      zlib1g libzstd1 libbrotli1 \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -m 1733 /var/lib/php/sessions
# libphp lives at the prefix the binary's rpath names: copy it to the same place.
COPY --from=build /var/cache/pogo /var/cache/pogo
COPY --from=build /build/pogo /usr/local/bin/pogo
COPY examples/hello /app/public
COPY examples/docker/Caddyfile /etc/pogo/Caddyfile
# As FrankenPHP's image: certificates and the local CA under /data/caddy (a FrankenPHP /data volume
# keeps working), autosaved config under /config/caddy.
ENV XDG_DATA_HOME=/data XDG_CONFIG_HOME=/config
WORKDIR /app
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["pogo", "run", "--config", "/etc/pogo/Caddyfile"]
