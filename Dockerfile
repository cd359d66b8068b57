# Pogo's production image.
#   make image                                   (docker or podman, whichever exists)
#   docker build -t pogo .
#   docker build -t pogo --build-arg BASE=debian:12.11 --build-arg PHP_VERSION=8.2.32-1~deb12u1 .
#   docker run -p 80:80 -p 443:443 -p 443:443/udp -v $PWD:/app pogo     (serves /app/public)
#
# Three stages. `php` builds libphp from Debian's php8.2 source with nothing but scripts/setup and
# scripts/install-php-extension: an edit of Pogo's sources or of the application never rebuilds
# PHP. `build` compiles pogo against it. The runtime stage, on the slim variant of BASE, gets the
# stripped binary, libphp and its extensions at a stable prefix (/usr/local/lib/pogo/php), the
# headers and phpize install-php-extension needs, and php.ini-production at PHP_INI_DIR; not the
# PHP CLI (`pogo php-cli` is the same PHP), the compiler or the sources.

# Both pinned: a build today and a build next month are the same image. PHP_VERSION is a version
# of Debian's php8.2 source package (`apt-cache showsrc php8.2`); Debian's security archive keeps
# only the newest ones, so a pin this old may have to move forward.
ARG BASE=debian:12.11
ARG PHP_VERSION=8.2.32-1~deb12u1

FROM ${BASE} AS php
ARG PHP_VERSION
COPY scripts/setup scripts/install-php-extension /usr/local/src/pogo-setup/
RUN /usr/local/src/pogo-setup/setup --image --php-version "${PHP_VERSION}" \
      --prefix /usr/local/lib/pogo/php --ini-dir /usr/local/etc/php \
 && rm -rf /var/cache/pogo/src /var/cache/pogo/php-src-* \
 && strip --strip-unneeded /usr/local/lib/pogo/php/lib/php/libphp.so \
 && find /usr/local/lib/pogo/php/lib/php/extensions -name '*.so' -exec strip --strip-unneeded {} +

FROM php AS build
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DPHP_CONFIG=/usr/local/lib/pogo/php/bin/php-config \
 && cmake --build /build -j"$(nproc)" --target pogo \
 && strip --strip-unneeded /build/pogo

FROM ${BASE}-slim
# The shared libraries libphp and pogo link (the runtime halves of the -dev packages the build
# used) and libcap2-bin for setcap. No init: pogo handles SIGTERM itself as PID 1.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libuv1 libxml2 libsqlite3-0 libcurl4 \
      libssl3 libonig5 libpng16-16 libjpeg62-turbo libfreetype6 libicu72 libzip4 libsodium23 libpq5 \
      zlib1g libzstd1 libbrotli1 libgmp10 libxslt1.1 libnghttp2-14 libcap2-bin \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -m 1733 /var/lib/php/sessions \
 && groupadd --system --gid 10001 pogo \
 && useradd --system --uid 10001 --gid pogo --home-dir /app --shell /usr/sbin/nologin pogo \
 && install -d -o pogo -g pogo /app /app/public /data /data/caddy /config /config/caddy \
 && install -d /etc/frankenphp /etc/pogo
ENV PHP_INI_DIR=/usr/local/etc/php
# libphp and its extensions; the headers, phpize and php-config for install-php-extension.
COPY --from=php /usr/local/lib/pogo/php/lib /usr/local/lib/pogo/php/lib
COPY --from=php /usr/local/lib/pogo/php/include /usr/local/lib/pogo/php/include
COPY --from=php /usr/local/lib/pogo/php/bin/phpize /usr/local/lib/pogo/php/bin/php-config /usr/local/lib/pogo/php/bin/
COPY --from=php /usr/local/etc/php /usr/local/etc/php
COPY scripts/install-php-extension /usr/local/bin/install-php-extension
RUN cp "$PHP_INI_DIR/php.ini-production" "$PHP_INI_DIR/php.ini" \
 && ln -s /usr/local/lib/pogo/php/bin/php-config /usr/local/lib/pogo/php/bin/phpize /usr/local/bin/ \
 && echo /usr/local/lib/pogo/php/lib/php > /etc/ld.so.conf.d/pogo-php.conf && ldconfig
COPY --from=build /build/pogo /usr/local/bin/pogo
# Ports 80 and 443 for an unprivileged user. (A runtime that sets no_new_privs, as Kubernetes'
# allowPrivilegeEscalation: false does, ignores file capabilities: listen on 8080 there.)
RUN setcap cap_net_bind_service=+ep /usr/local/bin/pogo
COPY examples/docker/Caddyfile /etc/frankenphp/Caddyfile
RUN ln -s ../frankenphp/Caddyfile /etc/pogo/Caddyfile
COPY examples/hello /app/public
# As FrankenPHP's image: certificates and the local CA under /data/caddy, autosaved configuration
# under /config/caddy.
ENV XDG_DATA_HOME=/data XDG_CONFIG_HOME=/config
VOLUME /data /config
WORKDIR /app
USER pogo
EXPOSE 80 443 443/udp 2019
STOPSIGNAL SIGTERM
# Liveness through the admin API (localhost:2019 unless the Caddyfile or CADDY_ADMIN moves it);
# `pogo health` is the probe, so the image needs no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["pogo", "health", "--timeout", "2"]
CMD ["pogo", "run", "--config", "/etc/frankenphp/Caddyfile", "--adapter", "caddyfile"]
