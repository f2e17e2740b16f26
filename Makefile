# 케라스 완전 정복 노트북: 두 명령이면 된다.
#   make lab   가상 환경을 만들고 JupyterLab에서 노트북을 연다 (TensorFlow 백엔드)
#   make test  가상 환경에 JAX·파이토치 백엔드까지 설치하고 모든 테스트를 실행한다
# 그 밖에:
#   make backends                 JAX와 파이토치를 더한다 (07_08, 07_09 노트북과 백엔드 매트릭스용)
#   make execute NB=notebooks/X   노트북을 테스트와 같은 환경에서 새로 실행해 출력과 함께 저장한다
#   make roundoff                 CPU 커널을 바꿔도 비교되는 출력이 그대로인지 확인한다
#   make bench                    훈련 루프 벤치마크 (세 백엔드)
#   make tensorboard-shots        07_06이 보여 주는 텐서보드 화면(figs/tensorboard_ui_*.png)을 다시 찍는다
#   make lock                     requirements-lock.txt(모든 패키지의 고정 버전)를 다시 만든다
#   make colab-badges REPO=owner/name   노트북과 README에 "Colab에서 열기" 배지를 단다

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
STAMP  := $(VENV)/.installed
BACKENDS_STAMP := $(VENV)/.backends-installed
LOCK   := requirements-lock.txt
PIP_VERSION := 26.3
# 리눅스에서 파이토치의 작은 CPU 전용 휠을 받으려면: make test TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=
TORCH := $(shell grep -E '^torch==' requirements-backends.txt)

.PHONY: lab lab-settings test backends execute roundoff bench lock colab-badges clean python-check

python-check:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "Python 3.11 이상이 필요하다 (지금 '$(PYTHON)': $$($(PYTHON) --version 2>&1))." >&2; \
	  echo "예: make $(MAKECMDGOALS) PYTHON=python3.11" >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "'$(PYTHON) -m venv'를 쓸 수 없다: Debian/Ubuntu라면 sudo apt-get install -y python3-venv" >&2; exit 1; }

$(STAMP): requirements.txt $(LOCK)
	@$(MAKE) --no-print-directory python-check
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet pip==$(PIP_VERSION)
	$(PIP) install --quiet -r requirements.txt -c $(LOCK)
	@command -v dot >/dev/null || echo "주의: Graphviz의 dot 프로그램이 없다. plot_model 그림을 그리려면 README의 설치 안내를 보라."
	@$(MAKE) --no-print-directory lab-settings
	touch $(STAMP)

# JupyterLab 설정: 처음 열 때 "주피터 소식을 받을까요?" 창을 띄우지 않고, 새 버전 확인도 하지 않는다.
# 가상 환경 안의 overrides.json(JupyterLab이 기본값으로 읽는 파일)에만 쓴다: 다른 주피터 설정은 건드리지 않는다.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
lab-settings:
	@mkdir -p $(dir $(LAB_SETTINGS))
	@printf '%s\n' '{' \
	  '  "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}' \
	  '}' > $(LAB_SETTINGS)

$(BACKENDS_STAMP): $(STAMP) requirements-backends.txt $(LOCK)
	$(if $(TORCH_INDEX),$(PIP) install --quiet "$(TORCH)" --index-url $(TORCH_INDEX))
	$(PIP) install --quiet -r requirements-backends.txt -c $(LOCK)
	touch $(BACKENDS_STAMP)

backends: $(BACKENDS_STAMP)

# 저장소 폴더를 루트로 열어(노트북의 ../README.md 링크가 열린다) notebooks/ 폴더를 보여 준다.
# 가상 환경의 bin을 PATH 앞에 두어 노트북의 %tensorboard가 tensorboard 명령을 찾게 한다.
# 서버는 이 컴퓨터(127.0.0.1)에서만 열린다. 루트 사용자(컨테이너, WSL, 클라우드 VM)라면
# 주피터가 요구하는 --allow-root를 붙인다. LAB_FLAGS로 옵션을 더할 수 있다(예: --no-browser).
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)
lab: $(STAMP)
	$(if $(ROOT_FLAG),@echo "루트 사용자로 실행하므로 --allow-root를 붙인다 (서버는 127.0.0.1에서만 열린다).")
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter lab --ip=127.0.0.1 $(ROOT_FLAG) \
	  --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks $(LAB_FLAGS)

test: $(BACKENDS_STAMP)
	$(BIN)/python -m pytest

NB ?= notebooks/*.ipynb
execute: $(STAMP)
	$(BIN)/python tests/execute_notebooks.py $(NB)

# 출력 비교가 반올림 오차에 기대지 않는지 확인한다. TensorFlow의 oneDNN 커널을 128비트 SSE4.1로
# 제한하고 스레드를 하나로 두면 덧셈 순서가 바뀐다(오래된 CPU처럼). 그보다 훨씬 크게, 데이터는 그대로
# 두고 가중치 초기화·드롭아웃·셔플의 시드만 바꿔(tests/roundoff_startup.py) 훈련이 내는 모든 수를 바꾼다.
# 그래도 엄격한 nbval이 모두 통과해야 한다.
roundoff: $(BACKENDS_STAMP)
	ONEDNN_MAX_CPU_ISA=SSE41 TF_NUM_INTRAOP_THREADS=1 KERAS_NOTEBOOKS_PERTURB_SEEDS=1 \
	  $(BIN)/python -m pytest notebooks

bench: $(BACKENDS_STAMP)
	$(BIN)/python bench/benchmark_loops.py $(BENCH_FLAGS)

# 07_06의 실행을 텐서보드의 Scalars, Histograms, Projector 탭에서 찍는다(헤드리스 Chromium + Playwright,
# 서버는 127.0.0.1의 빈 포트). logs/tensorboard에 07_06의 기록이 없으면 07_06을 먼저 실행해 출력과 함께
# 저장한다(make execute와 같다). 노트북을 바꾸면 다시 실행한 뒤 이 그림들도 다시 찍는다.
.PHONY: tensorboard-shots
tensorboard-shots: $(STAMP)
	$(BIN)/python tools/tensorboard_screenshots.py

# pip-tools를 따로 만든 가상 환경에 설치해 두 requirements 파일의 모든 의존성을 고정한다.
lock:
	@$(MAKE) --no-print-directory python-check
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet pip==$(PIP_VERSION) pip-tools==7.6.2
	.venv-lock/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links -o $(LOCK) requirements.txt requirements-backends.txt
	# 리눅스 x86_64에서 만들면 torch가 CPU 빌드(+cpu)로 적힌다: 공개 버전만 남겨 플랫폼마다 제 빌드를 받게 한다.
	sed -i -E 's/^(torch==[0-9.]+)\+cpu/\1/' $(LOCK)

colab-badges:
	@test -n "$(REPO)" || { echo "사용법: make colab-badges REPO=owner/name [BRANCH=main]" >&2; exit 1; }
	$(BIN)/python tools/colab_badges.py $(REPO) --branch $(or $(BRANCH),main)

clean:
	rm -rf $(VENV) .venv-lock logs/*/ data/*/ .pytest_cache
