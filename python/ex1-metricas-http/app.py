"""A loja do curso em Flask, com as métricas HTTP do exercício 1.

É a referência da trilha Python para a Parte 3 do roteiro: o `app_teste_prometheus.py`, com o
`prometheus-flask-exporter` medindo toda requisição e a rota de cada uma agrupada pelo molde
(`group_by="url_rule"`), e com os defeitos do roteiro corrigidos, como na loja em Rust (o
estoque nunca fica negativo, um corpo inválido é um erro 4xx em JSON, os usuários ativos nunca
ficam negativos). Tem a mesma injeção de falhas em /admin/falhas.

    PORT=5000 python3 app.py        (BIND=127.0.0.1 e LATENCY_SCALE=1 por padrão)
"""

import os
import random
import signal
import sys
import threading
import time

from flask import Flask, jsonify, request
from prometheus_flask_exporter import PrometheusMetrics
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

# As métricas HTTP do exporter, agrupadas pelo molde da rota (`/produto/<int:produto_id>`),
# nunca pelo caminho cru (`/produto/2`): uma série por rota, não uma por produto. Um caminho
# que não casou com nenhuma rota vira url_rule="None".
metrics = PrometheusMetrics(app, group_by="url_rule")
metrics.info("app_info", "Informações da aplicação", version="1.0.0", app_name="ecommerce_teste")

METODOS_PAGAMENTO = ("pix", "credito", "debito", "boleto")
PRODUTOS = [
    {"id": 1, "nome": "Notebook", "preco": 2500.00, "estoque": 10},
    {"id": 2, "nome": "Mouse", "preco": 50.00, "estoque": 100},
    {"id": 3, "nome": "Teclado", "preco": 150.00, "estoque": 50},
    {"id": 4, "nome": "Monitor", "preco": 800.00, "estoque": 20},
]

# === O estado da loja ===
trava = threading.Lock()  # o servidor atende cada requisição numa thread
estado = {"usuarios": 0, "itens": 0}
falhas = {"taxa_erro": 0.0, "latencia_extra_ms": 0}
ESCALA = max(0.0, float(os.environ.get("LATENCY_SCALE", "1")))


class ErroApi(Exception):
    def __init__(self, status, mensagem):
        super().__init__(mensagem)
        self.status = status
        self.mensagem = mensagem


@app.errorhandler(ErroApi)
def erro_api(e):
    return jsonify({"erro": e.mensagem}), e.status


@app.errorhandler(HTTPException)
def erro_http(e):
    # 404, 405...: também em JSON, nunca a página HTML do Flask.
    return jsonify({"erro": e.name}), e.code


def latencia(a, b):
    """O time.sleep(random.uniform(a, b)) do roteiro, vezes LATENCY_SCALE."""
    segundos = random.uniform(a, b) * ESCALA
    if segundos > 0:
        time.sleep(segundos)


def corpo_json():
    """O corpo JSON da requisição: 415 sem Content-Type JSON, 400 se não for JSON válido."""
    if not request.is_json:
        raise ErroApi(415, "corpo JSON inválido: envie Content-Type: application/json")
    dados = request.get_json(silent=True)
    if dados is None:
        raise ErroApi(400, "corpo JSON inválido")
    if not isinstance(dados, dict):
        raise ErroApi(422, "corpo JSON inválido: esperado um objeto")
    return dados


def inteiro(dados, campo, padrao=None):
    valor = dados.get(campo, padrao)
    if valor is not None and (isinstance(valor, bool) or not isinstance(valor, int)):
        raise ErroApi(422, f"{campo} deve ser um número inteiro")
    return valor


def quantidade_valida(dados):
    q = inteiro(dados, "quantidade", 1)
    if not 1 <= q <= 100:
        raise ErroApi(422, "quantidade vai de 1 a 100")
    return q


def produto(produto_id):
    return next((p for p in PRODUTOS if p["id"] == produto_id), None)


# === Injeção de falhas: a mesma da loja em Rust ===
@app.before_request
def aplicar_falhas():
    # Só nas rotas da loja: /metrics e /admin/falhas continuam respondendo.
    if request.path == "/metrics" or request.path.startswith("/admin/"):
        return None
    if falhas["latencia_extra_ms"] > 0:
        time.sleep(falhas["latencia_extra_ms"] / 1000)
    if falhas["taxa_erro"] > 0 and random.random() < falhas["taxa_erro"]:
        return jsonify({"erro": "falha injetada"}), 500
    return None


@app.route("/admin/falhas", methods=["GET", "PUT", "DELETE"])
def admin_falhas():
    if request.method == "PUT":
        dados = corpo_json()
        extras = set(dados) - {"taxa_erro", "latencia_extra_ms"}
        if extras:
            raise ErroApi(422, f"campos desconhecidos: {', '.join(sorted(extras))}")
        taxa = dados.get("taxa_erro", 0)
        extra = inteiro(dados, "latencia_extra_ms", 0)
        if isinstance(taxa, bool) or not isinstance(taxa, (int, float)) or not 0 <= taxa <= 1:
            raise ErroApi(422, "taxa_erro vai de 0 a 1 (0.05 = 5% das requisições)")
        if extra < 0:
            raise ErroApi(422, "latencia_extra_ms não pode ser negativa")
        falhas.update(taxa_erro=float(taxa), latencia_extra_ms=extra)
    elif request.method == "DELETE":
        falhas.update(taxa_erro=0.0, latencia_extra_ms=0)
    return jsonify(falhas)


# === As rotas da loja ===
@app.route("/")
def home():
    with trava:
        estado["usuarios"] += 1
    return jsonify({"mensagem": "Bem-vindo ao E-commerce de Teste"})


@app.route("/produtos")
def listar_produtos():
    latencia(0.1, 0.3)
    with trava:
        lista = [dict(p) for p in PRODUTOS]
    return jsonify(lista)


@app.route("/produto/<int:produto_id>")
def detalhes_produto(produto_id):
    latencia(0.05, 0.15)
    with trava:
        achado = produto(produto_id)
        achado = dict(achado) if achado else None
    if achado is None:
        raise ErroApi(404, "Produto não encontrado")
    return jsonify(achado)


@app.route("/busca")
def buscar():
    termo = request.args.get("termo", "")
    if not termo.strip():
        raise ErroApi(400, "informe ?termo=...")
    latencia(0.05, 0.15)
    procurado = termo.strip().lower()
    with trava:
        achados = [dict(p) for p in PRODUTOS if procurado in p["nome"].lower()]
    return jsonify(achados)


@app.route("/carrinho", methods=["POST"])
def adicionar_carrinho():
    dados = corpo_json()
    produto_id = inteiro(dados, "produto_id")
    if produto_id is None:
        raise ErroApi(422, "informe produto_id")
    quantidade = quantidade_valida(dados)
    latencia(0.2, 0.4)
    with trava:
        if produto(produto_id) is None:
            raise ErroApi(404, "Produto não encontrado")
        estado["itens"] += quantidade
    return jsonify(
        {"mensagem": "Produto adicionado ao carrinho", "produto_id": produto_id, "quantidade": quantidade}
    )


@app.route("/checkout", methods=["POST"])
def checkout():
    dados = corpo_json()
    metodo = dados.get("metodo_pagamento", "credito")
    # Uma lista fechada: um valor de label nunca vem direto do cliente.
    if metodo not in METODOS_PAGAMENTO:
        raise ErroApi(422, f"metodo_pagamento deve ser um de: {', '.join(METODOS_PAGAMENTO)}")
    quantidade = quantidade_valida(dados)
    produto_id = inteiro(dados, "produto_id", 1)

    latencia(0.5, 1.0)  # o pagamento simulado

    with trava:
        p = produto(produto_id)
        if p is None:
            raise ErroApi(404, "Produto não encontrado")
        if p["estoque"] < quantidade:
            raise ErroApi(409, f"Estoque insuficiente: restam {p['estoque']}")
        p["estoque"] -= quantidade
        estado["itens"] = max(0, estado["itens"] - quantidade)
    return jsonify({"mensagem": "Compra realizada com sucesso", "pedido_id": random.randint(1000, 9999)})


@app.route("/logout")
def logout():
    with trava:
        # Um logout sem ninguém logado deixa o número em zero.
        estado["usuarios"] = max(0, estado["usuarios"] - 1)
    return jsonify({"mensagem": "Logout realizado"})


def encerrar(_sinal, _quadro):
    print("loja: encerrando", file=sys.stderr)
    sys.exit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, encerrar)
    app.run(
        host=os.environ.get("BIND", "127.0.0.1"),
        port=int(os.environ.get("PORT", "5000")),
        threaded=True,
    )
