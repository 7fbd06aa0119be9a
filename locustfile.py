"""Carga na loja do curso com o Locust (roteiro, Exercício 3).

O mesmo cenário do `grader load` (crate `crates/loadgen`): as mesmas ações, com os mesmos
pesos, e só requisições que a loja aceita. Use o que preferir; os números do Prometheus devem
contar a mesma história.

    python3 -m venv venv_locust && . venv_locust/bin/activate && pip install locust
    cargo run -p ex2-metricas-negocio-solucao -- --port 5000      # noutro terminal
    locust -f locustfile.py --host http://127.0.0.1:5000          # interface em http://localhost:8089
    locust -f locustfile.py --host http://127.0.0.1:5000 --headless -u 10 -r 2 -t 30s

Regra do curso: a carga só vai para esta máquina (127.0.0.1, ::1 ou localhost).
"""

import random

from locust import HttpUser, between, task

# Os produtos e os métodos de pagamento da loja (loja::PRODUTOS, loja::METODOS_PAGAMENTO).
PRODUTOS = [1, 2, 3, 4]
METODOS_PAGAMENTO = ["pix", "credito", "debito", "boleto"]
# Termos de busca: nomes de produtos, um prefixo e palavras que a loja não vende
# (uma busca sem resultado ainda é um 200). Lista fechada: nada de um termo novo por requisição.
TERMOS_BUSCA = [
    "notebook", "Mouse", "TECLADO", "monitor", "mou",
    "monitor gamer", "cadeira", "celular", "câmera", "fone",
]


class UsuarioDaLoja(HttpUser):
    """Um usuário que navega, vê produtos, busca, põe no carrinho, compra e sai."""

    # Pensa de 1 a 3 segundos entre uma ação e a próxima (o padrão do `grader load`).
    wait_time = between(1, 3)
    host = "http://127.0.0.1:5000"

    # Pesos: navegar=5, produto=3, busca=1, carrinho=2, checkout=1, logout=1
    # (o mix padrão do `grader load --mix ...`).

    @task(5)
    def navegar(self):
        # Metade das vezes a página inicial (conta um usuário ativo), metade o catálogo.
        if random.random() < 0.5:
            self.client.get("/")
        else:
            self.client.get("/produtos")

    @task(3)
    def produto(self):
        produto_id = random.choice(PRODUTOS)
        # `name` agrupa as linhas pelo template da rota, como o label `endpoint` da métrica.
        self.client.get(f"/produto/{produto_id}", name="/produto/{produto_id}")

    @task(1)
    def busca(self):
        self.client.get("/busca", params={"termo": random.choice(TERMOS_BUSCA)}, name="/busca")

    @task(2)
    def carrinho(self):
        self.client.post(
            "/carrinho",
            json={"produto_id": random.choice(PRODUTOS), "quantidade": 1},
        )

    @task(1)
    def checkout(self):
        pedido = {
            "produto_id": random.choice(PRODUTOS),
            "quantidade": 1,
            "metodo_pagamento": random.choice(METODOS_PAGAMENTO),
        }
        with self.client.post("/checkout", json=pedido, catch_response=True) as resposta:
            # Estoque esgotado é um 409: a resposta certa da loja, não uma falha
            # (o `grader load` conta do mesmo jeito).
            if resposta.status_code == 409:
                resposta.success()

    @task(1)
    def logout(self):
        self.client.get("/logout")
