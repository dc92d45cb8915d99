# regterm: build, test and demo. See README.md.
GO        ?= go
BIN       := bin
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/regterm/regterm/firmware/terminal.FirmwareVersion=$(VERSION)
DEMO_DIR  ?= demo-out

# Debian packages the tests talk to (the real peers), and the commands that
# tell they are installed.
DEB_PKGS  := pcscd vsmartcard-vpcd swtpm swtpm-tools tpm2-tools u-boot-tools \
             libubootenv-tool qemu-user-static fonts-noto-core libharfbuzz-bin \
             openssl strace file util-linux
DEB_CHECK := pcscd swtpm tpm2_startup fw_printenv qemu-aarch64-static hb-shape \
             openssl strace file unshare
FONT      := /usr/share/fonts/truetype/noto/NotoSansThai-Regular.ttf

.PHONY: all build cross test test-short deps demo fmt lint vet clean bench soak

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./firmware/cmd/... ./tools/...

cross:
	@mkdir -p $(BIN)/linux-arm64 $(BIN)/linux-armv7
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags release -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/linux-arm64/ ./firmware/cmd/...
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -tags release -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/linux-armv7/ ./firmware/cmd/...
	@file $(BIN)/linux-arm64/regtermd $(BIN)/linux-armv7/regtermd

# deps installs the Debian packages the tests need, when any is missing.
deps:
	@missing=0; for c in $(DEB_CHECK); do command -v $$c >/dev/null 2>&1 || missing=1; done; \
	[ -f $(FONT) ] || missing=1; \
	[ -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] || ls /usr/lib/pcsc/drivers/serial/ 2>/dev/null | grep -q vpcd || missing=1; \
	if [ $$missing = 1 ]; then \
	  echo "make: installing test peers: $(DEB_PKGS)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(DEB_PKGS) >/dev/null; \
	fi

# font installs only what the demo needs (the Thai font).
font:
	@[ -f $(FONT) ] || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends fonts-noto-core >/dev/null || echo "make: fonts-noto-core not installed; the demo uses its fallback font"; }

vet:
	$(GO) vet ./...

test: deps vet
	$(GO) test -race -count=1 -timeout 18m ./...

test-short:
	$(GO) test -short ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

soak:
	REGTERM_SOAK=1 $(GO) test -race -timeout 60m ./...

demo: font
	@rm -rf $(DEMO_DIR)
	$(GO) run ./firmware/cmd/regtermd --board sim --demo --state $(DEMO_DIR)/state --frames $(DEMO_DIR)/frames

fmt:
	gofmt -w $$(git ls-files '*.go')

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean:
	rm -rf $(BIN) $(DEMO_DIR)
