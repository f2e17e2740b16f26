# 케라스 완전 정복 노트북: 두 명령이면 된다.
#   make lab   가상 환경을 만들고 JupyterLab에서 노트북을 연다
#   make test  가상 환경을 만들고 모든 테스트를 실행한다 (엄격한 nbval + 위생 검사 + 오프라인 MNIST)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test execute clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@command -v dot >/dev/null || echo "주의: Graphviz의 dot 프로그램이 없다. plot_model 그림을 그리려면 README의 설치 안내를 보라."
	touch $(STAMP)

# 가상 환경의 bin을 PATH 앞에 두어 노트북의 %tensorboard가 tensorboard 명령을 찾게 한다.
lab: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter lab notebooks/

test: $(STAMP)
	$(BIN)/python -m pytest

# 노트북을 테스트와 같은 환경에서 새 커널로 위에서 아래로 실행하고 출력과 함께 저장한다.
#   make execute NB=notebooks/07_01_workflows_sequential.ipynb
NB ?= notebooks/*.ipynb
execute: $(STAMP)
	$(BIN)/python tests/execute_notebooks.py $(NB)

clean:
	rm -rf $(VENV) logs/*/ data/*/ .pytest_cache
