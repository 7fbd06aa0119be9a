"""A loja do curso em Flask, com as métricas HTTP (exercício 1) e as de negócio (exercício 2).

É a referência da trilha Python: o `app_teste_prometheus_custom.py` da Parte 4 do roteiro,
com as métricas do Exercício 2 e com os defeitos do roteiro corrigidos, como na loja em Rust
(o estoque nunca fica negativo, um corpo inválido é um erro 4xx em JSON, os usuários ativos
nunca ficam negativos). Tem a mesma injeção de falhas em /admin/falhas.

    PORT=5000 python3 app.py        (BIND=127.0.0.1 e LATENCY_SCALE=1 por padrão)
"""

import os
import random
import signal
import sys
import threading
import time

from flask import Flask, jsonify, request
from prometheus_client import Counter, Gauge, Histogram, Summary
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
TERMO_OUTRO = "outro"

# === Métricas de negócio (Parte 4 e Exercício 2) ===
vendas_total = Counter("ecommerce_vendas_total", "Total de vendas realizadas", ["metodo_pagamento"])
produtos_carrinho = Counter(
    "ecommerce_produtos_carrinho_total", "Total de produtos adicionados ao carrinho", ["produto_id"]
)
usuarios_ativos = Gauge("ecommerce_usuarios_ativos", "Número de usuários ativos no momento")
estoque_produto = Gauge(
    "ecommerce_estoque_produto", "Quantidade em estoque por produto", ["produto_id", "produto_nome"]
)
tempo_checkout = Histogram(
    "ecommerce_checkout_duracao_seconds",
    "Tempo de processamento do checkout, em segundos",
    buckets=[0.1, 0.25, 0.5, 0.75, 1.0, 2.0, 5.0],
)
# O Summary do prometheus_client expõe só _count e _sum: não calcula quantis.
tempo_busca = Summary("ecommerce_busca_duracao_seconds", "Tempo de busca de produtos, em segundos")
buscas_total = Counter("ecommerce_buscas_total", "Total de buscas, por termo buscado", ["termo"])
itens_carrinho = Gauge("ecommerce_itens_carrinho", "Itens nos carrinhos no momento")

# Séries de valores conhecidos começam em 0, para a primeira venda aparecer em rate().
for metodo in METODOS_PAGAMENTO:
    vendas_total.labels(metodo_pagamento=metodo)
for p in PRODUTOS:
    produtos_carrinho.labels(produto_id=str(p["id"]))
    buscas_total.labels(termo=p["nome"].lower())
    estoque_produto.labels(produto_id=str(p["id"]), produto_nome=p["nome"]).set(p["estoque"])
buscas_total.labels(termo=TERMO_OUTRO)

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
        usuarios_ativos.set(estado["usuarios"])
    return jsonify({"mensagem": "Bem-vindo ao E-commerce de Teste"})


@app.route("/produtos")
def listar_produtos():
    with tempo_busca.time():
        latencia(0.1, 0.3)
        with trava:
            lista = [dict(p) for p in PRODUTOS]
    return jsonify(lista)


@app.route("/produto/<int:produto_id>")
def detalhes_produto(produto_id):
    with tempo_busca.time():
        latencia(0.05, 0.15)
        with trava:
            achado = produto(produto_id)
            achado = dict(achado) if achado else None
    if achado is None:
        raise ErroApi(404, "Produto não encontrado")
    return jsonify(achado)


def rotulo_do_termo(termo):
    """O nome do produto, se o termo for exatamente um; senão "outro". O termo vem do
    cliente: usado como veio, cada termo novo seria uma série nova, sem fim."""
    termo = termo.strip().lower()
    return termo if any(p["nome"].lower() == termo for p in PRODUTOS) else TERMO_OUTRO


@app.route("/busca")
def buscar():
    termo = request.args.get("termo", "")
    if not termo.strip():
        raise ErroApi(400, "informe ?termo=...")
    with tempo_busca.time():
        latencia(0.05, 0.15)
        procurado = termo.strip().lower()
        with trava:
            achados = [dict(p) for p in PRODUTOS if procurado in p["nome"].lower()]
    buscas_total.labels(termo=rotulo_do_termo(termo)).inc()
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
        itens_carrinho.set(estado["itens"])
    # Como no roteiro: cada adição conta 1, seja qual for a quantidade.
    produtos_carrinho.labels(produto_id=str(produto_id)).inc()
    return jsonify(
        {"mensagem": "Produto adicionado ao carrinho", "produto_id": produto_id, "quantidade": quantidade}
    )


@app.route("/checkout", methods=["POST"])
def checkout():
    inicio = time.time()
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
        estoque_produto.labels(produto_id=str(p["id"]), produto_nome=p["nome"]).set(p["estoque"])
        itens_carrinho.set(estado["itens"])
    vendas_total.labels(metodo_pagamento=metodo).inc()
    tempo_checkout.observe(time.time() - inicio)
    return jsonify({"mensagem": "Compra realizada com sucesso", "pedido_id": random.randint(1000, 9999)})


@app.route("/logout")
def logout():
    with trava:
        # Um logout sem ninguém logado deixa o número em zero.
        estado["usuarios"] = max(0, estado["usuarios"] - 1)
        usuarios_ativos.set(estado["usuarios"])
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
