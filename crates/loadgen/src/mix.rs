//! What a virtual user does: the shop's routes ([`Endpoint`]), the actions a user picks
//! ([`Action`]) with their weights ([`Mix`]), and the concrete requests they become ([`Step`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

/// The product ids of the shop's catalogue (`loja::PRODUTOS`).
pub const PRODUTO_IDS: [u32; 4] = [1, 2, 3, 4];

/// The payment methods the checkout accepts (`loja::METODOS_PAGAMENTO`).
pub const METODOS_PAGAMENTO: [&str; 4] = ["pix", "credito", "debito", "boleto"];

/// The search terms a user types, already URL-encoded: the products' names (in several
/// cases), a prefix, and words the shop does not sell (a search that finds nothing is still a
/// 200). Bounded on purpose: the load never makes a series per random word.
pub const TERMOS_BUSCA: [&str; 10] = [
    "notebook",
    "Mouse",
    "TECLADO",
    "monitor",
    "mou",
    "monitor%20gamer",
    "cadeira",
    "celular",
    "c%C3%A2mera",
    "fone",
];

/// A route of the shop, named like Locust names its rows: method and route template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// `GET /`
    Inicio,
    /// `GET /produtos`
    Produtos,
    /// `GET /produto/{produto_id}`
    Produto,
    /// `GET /busca?termo=...`
    Busca,
    /// `POST /carrinho`
    Carrinho,
    /// `POST /checkout`
    Checkout,
    /// `GET /logout`
    Logout,
}

impl Endpoint {
    /// Every route, in the order reports list them.
    pub const ALL: [Endpoint; 7] = [
        Endpoint::Inicio,
        Endpoint::Produtos,
        Endpoint::Produto,
        Endpoint::Busca,
        Endpoint::Carrinho,
        Endpoint::Checkout,
        Endpoint::Logout,
    ];

    /// `GET` or `POST`.
    pub fn method(self) -> &'static str {
        match self {
            Endpoint::Carrinho | Endpoint::Checkout => "POST",
            _ => "GET",
        }
    }

    /// The route template, as the app's `endpoint` label has it: `/produto/{produto_id}`.
    pub fn route(self) -> &'static str {
        match self {
            Endpoint::Inicio => "/",
            Endpoint::Produtos => "/produtos",
            Endpoint::Produto => "/produto/{produto_id}",
            Endpoint::Busca => "/busca",
            Endpoint::Carrinho => "/carrinho",
            Endpoint::Checkout => "/checkout",
            Endpoint::Logout => "/logout",
        }
    }

    /// Method and route: `GET /produto/{produto_id}`.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Inicio => "GET /",
            Endpoint::Produtos => "GET /produtos",
            Endpoint::Produto => "GET /produto/{produto_id}",
            Endpoint::Busca => "GET /busca",
            Endpoint::Carrinho => "POST /carrinho",
            Endpoint::Checkout => "POST /checkout",
            Endpoint::Logout => "GET /logout",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One thing a user does, as the mix weighs it. Each action is one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// `navegar`: the home page or the catalogue, half of the times each
    /// (`GET /` counts an active user; `GET /produtos` lists the products).
    Navegar,
    /// `produto`: `GET /produto/{id}`, of a random product unless pinned.
    Produto { produto_id: Option<u32> },
    /// `busca`: `GET /busca?termo=...` with one of [`TERMOS_BUSCA`].
    Busca,
    /// `carrinho`: `POST /carrinho` with one unit of a random product unless pinned.
    Carrinho { produto_id: Option<u32> },
    /// `checkout`: `POST /checkout` of one unit of a random product unless pinned, paid with a
    /// random method of [`METODOS_PAGAMENTO`]. Pin a product to drain its stock.
    Checkout { produto_id: Option<u32> },
    /// `logout`: `GET /logout` (one active user fewer).
    Logout,
}

impl Action {
    /// The names a mix gives the actions, in their canonical order.
    pub const NAMES: [&'static str; 6] = [
        "navegar", "produto", "busca", "carrinho", "checkout", "logout",
    ];

    /// `navegar`, `produto`, `busca`, `carrinho`, `checkout` or `logout`.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Navegar => "navegar",
            Action::Produto { .. } => "produto",
            Action::Busca => "busca",
            Action::Carrinho { .. } => "carrinho",
            Action::Checkout { .. } => "checkout",
            Action::Logout => "logout",
        }
    }

    fn pinned(&self) -> Option<u32> {
        match *self {
            Action::Produto { produto_id }
            | Action::Carrinho { produto_id }
            | Action::Checkout { produto_id } => produto_id,
            _ => None,
        }
    }

    /// The concrete request this action becomes, its random parts drawn from `rng`.
    fn step(&self, rng: &mut StdRng) -> Step {
        let produto = |rng: &mut StdRng, pinned: Option<u32>| {
            pinned.unwrap_or_else(|| PRODUTO_IDS[rng.random_range(0..PRODUTO_IDS.len())])
        };
        match *self {
            Action::Navegar => {
                if rng.random_bool(0.5) {
                    Step::get(Endpoint::Inicio, "/".to_string())
                } else {
                    Step::get(Endpoint::Produtos, "/produtos".to_string())
                }
            }
            Action::Produto { produto_id } => {
                let id = produto(rng, produto_id);
                Step::get(Endpoint::Produto, format!("/produto/{id}"))
            }
            Action::Busca => {
                let termo = TERMOS_BUSCA[rng.random_range(0..TERMOS_BUSCA.len())];
                Step::get(Endpoint::Busca, format!("/busca?termo={termo}"))
            }
            Action::Carrinho { produto_id } => {
                let id = produto(rng, produto_id);
                Step {
                    endpoint: Endpoint::Carrinho,
                    path: "/carrinho".to_string(),
                    body: Some(format!(r#"{{"produto_id":{id},"quantidade":1}}"#)),
                }
            }
            Action::Checkout { produto_id } => {
                let id = produto(rng, produto_id);
                let metodo = METODOS_PAGAMENTO[rng.random_range(0..METODOS_PAGAMENTO.len())];
                Step {
                    endpoint: Endpoint::Checkout,
                    path: "/checkout".to_string(),
                    body: Some(format!(
                        r#"{{"produto_id":{id},"quantidade":1,"metodo_pagamento":"{metodo}"}}"#
                    )),
                }
            }
            Action::Logout => Step::get(Endpoint::Logout, "/logout".to_string()),
        }
    }
}

/// `checkout` or `checkout:2` (pinned to product 2; `produto`, `carrinho` and `checkout` can
/// be pinned).
impl FromStr for Action {
    type Err = MixError;

    fn from_str(s: &str) -> Result<Self, MixError> {
        let (name, pinned) = match s.split_once(':') {
            Some((name, id)) => {
                let id: u32 = id.trim().parse().map_err(|_| MixError::UnknownProduct {
                    action: name.trim().to_string(),
                    produto_id: id.trim().to_string(),
                })?;
                (name.trim(), Some(id))
            }
            None => (s.trim(), None),
        };
        let action = match name {
            "navegar" => Action::Navegar,
            "produto" => Action::Produto { produto_id: pinned },
            "busca" => Action::Busca,
            "carrinho" => Action::Carrinho { produto_id: pinned },
            "checkout" => Action::Checkout { produto_id: pinned },
            "logout" => Action::Logout,
            other => return Err(MixError::UnknownAction(other.to_string())),
        };
        if let Some(id) = pinned {
            if action.pinned().is_none() {
                return Err(MixError::NotPinnable(name.to_string()));
            }
            if !PRODUTO_IDS.contains(&id) {
                return Err(MixError::UnknownProduct {
                    action: name.to_string(),
                    produto_id: id.to_string(),
                });
            }
        }
        Ok(action)
    }
}

/// The name a mix uses: `checkout`, or `checkout:2` when pinned.
impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pinned() {
            Some(id) => write!(f, "{}:{id}", self.name()),
            None => f.write_str(self.name()),
        }
    }
}

/// One concrete request: the route it counts under, the path with its query, and the JSON
/// body of a `POST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub endpoint: Endpoint,
    /// Path and query, e.g. `/produto/3` or `/busca?termo=mouse`.
    pub path: String,
    /// The JSON body (`POST` only), e.g. `{"produto_id":2,"quantidade":1}`.
    pub body: Option<String>,
}

impl Step {
    fn get(endpoint: Endpoint, path: String) -> Self {
        Self {
            endpoint,
            path,
            body: None,
        }
    }
}

/// Why a mix was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MixError {
    #[error(
        "unknown action `{0}` (the actions are navegar, produto, busca, carrinho, checkout, logout)"
    )]
    UnknownAction(String),
    #[error("`{action}:{produto_id}`: the products are 1, 2, 3 and 4")]
    UnknownProduct { action: String, produto_id: String },
    #[error("`{0}` cannot be pinned to a product (only produto, carrinho and checkout can)")]
    NotPinnable(String),
    #[error("`{0}` appears twice in the mix")]
    Duplicate(String),
    #[error("`{0}`: write the mix as name=weight pairs, e.g. navegar=5,produto=3,checkout=1")]
    Syntax(String),
    #[error("the mix has no action with a weight above 0")]
    Empty,
}

/// The actions users pick from, each with a weight: an action of weight 3 is picked three
/// times as often as one of weight 1, like Locust's `@task(3)`.
///
/// Built from name→weight pairs (`navegar`, `produto`, `busca`, `carrinho`, `checkout`,
/// `logout`; `produto`, `carrinho` and `checkout` take a pinned product as `checkout:2`),
/// from a map in a spec (`mix = { navegar = 5, produto = 3, checkout = 1 }` in TOML), from a
/// string (`"navegar=5,produto=3,checkout=1"`), or from [`Mix::only`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "BTreeMap<String, u32>")]
pub struct Mix {
    entries: Vec<(Action, u32)>,
    total: u32,
}

impl Mix {
    /// A mix of these actions and weights; weights of 0 are left out. The order does not
    /// matter: the actions are kept in [`Action::NAMES`] order.
    pub fn new(entries: impl IntoIterator<Item = (Action, u32)>) -> Result<Self, MixError> {
        let mut kept: Vec<(Action, u32)> = Vec::new();
        let mut total: u32 = 0;
        for (action, weight) in entries {
            if kept.iter().any(|(a, _)| *a == action) {
                return Err(MixError::Duplicate(action.to_string()));
            }
            if let Some(id) = action.pinned()
                && !PRODUTO_IDS.contains(&id)
            {
                return Err(MixError::UnknownProduct {
                    action: action.name().to_string(),
                    produto_id: id.to_string(),
                });
            }
            if weight == 0 {
                continue;
            }
            total = total
                .checked_add(weight)
                .ok_or_else(|| MixError::Syntax(format!("{action}={weight}")))?;
            kept.push((action, weight));
        }
        if kept.is_empty() {
            return Err(MixError::Empty);
        }
        // One canonical order, whatever the order given (a map in a spec has none): the same
        // weights are the same mix, and give the same requests for the same seed.
        kept.sort();
        Ok(Self {
            entries: kept,
            total,
        })
    }

    /// Every request is this action; e.g. `Mix::only(Action::Checkout { produto_id: Some(2) })`
    /// buys product 2 until its stock runs out (then the shop answers 409).
    pub fn only(action: Action) -> Self {
        Self {
            entries: vec![(action, 1)],
            total: 1,
        }
    }

    /// From name→weight pairs such as `("navegar", 5)` or `("checkout:2", 1)`.
    pub fn from_weights<K: AsRef<str>>(
        weights: impl IntoIterator<Item = (K, u32)>,
    ) -> Result<Self, MixError> {
        let entries = weights
            .into_iter()
            .map(|(name, w)| Ok((name.as_ref().parse::<Action>()?, w)))
            .collect::<Result<Vec<_>, MixError>>()?;
        Self::new(entries)
    }

    /// The actions with their weights (none of weight 0).
    pub fn entries(&self) -> &[(Action, u32)] {
        &self.entries
    }

    /// The share of picks `action` gets, from 0 to 1.
    pub fn share(&self, action: Action) -> f64 {
        self.entries
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(0.0, |(_, w)| f64::from(*w) / f64::from(self.total))
    }

    fn pick(&self, rng: &mut StdRng) -> Action {
        let mut r = rng.random_range(0..self.total);
        for (action, weight) in &self.entries {
            if r < *weight {
                return *action;
            }
            r -= weight;
        }
        unreachable!("r < total, the sum of the weights")
    }
}

/// Close to the roteiro's Locust scenario: mostly browsing, some product pages, carts and
/// searches, a few checkouts and logouts:
/// `navegar=5, produto=3, busca=1, carrinho=2, checkout=1, logout=1`.
impl Default for Mix {
    fn default() -> Self {
        Self::new([
            (Action::Navegar, 5),
            (Action::Produto { produto_id: None }, 3),
            (Action::Busca, 1),
            (Action::Carrinho { produto_id: None }, 2),
            (Action::Checkout { produto_id: None }, 1),
            (Action::Logout, 1),
        ])
        .expect("a valid mix")
    }
}

impl TryFrom<BTreeMap<String, u32>> for Mix {
    type Error = MixError;

    fn try_from(map: BTreeMap<String, u32>) -> Result<Self, MixError> {
        Self::from_weights(map)
    }
}

/// `navegar=5,produto=3,busca=1,carrinho=2,checkout:2=1` (spaces allowed).
impl FromStr for Mix {
    type Err = MixError;

    fn from_str(s: &str) -> Result<Self, MixError> {
        let mut weights = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| MixError::Syntax(part.to_string()))?;
            let weight: u32 = weight
                .trim()
                .parse()
                .map_err(|_| MixError::Syntax(part.to_string()))?;
            weights.push((name.trim().to_string(), weight));
        }
        Self::from_weights(weights)
    }
}

/// The same syntax [`FromStr`] reads.
impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (action, weight)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{action}={weight}")?;
        }
        Ok(())
    }
}

/// The requests one virtual user makes, in order: an endless iterator, a pure function of
/// the mix, the run's seed and the user's number (0 for the first user started; a
/// [`Mode::Rate`](crate::Mode::Rate) run draws all its requests from user 0's sequence).
///
/// This is exactly what [`run`](crate::run) sends for that user, so reproducibility can be
/// checked without any timing: the same seed gives the same sequence, another seed another.
/// Think times come from a separate generator and do not shift it.
pub fn user_steps(mix: &Mix, seed: u64, user: u64) -> Steps {
    Steps {
        mix: mix.clone(),
        rng: StdRng::seed_from_u64(derive_seed(seed, user, STEPS_STREAM)),
    }
}

/// The iterator [`user_steps`] returns.
#[derive(Debug, Clone)]
pub struct Steps {
    mix: Mix,
    rng: StdRng,
}

impl Steps {
    /// The next action and the request it became.
    pub fn next_with_action(&mut self) -> (Action, Step) {
        let action = self.mix.pick(&mut self.rng);
        let step = action.step(&mut self.rng);
        (action, step)
    }
}

impl Iterator for Steps {
    type Item = Step;

    fn next(&mut self) -> Option<Step> {
        Some(self.next_with_action().1)
    }
}

pub(crate) const STEPS_STREAM: u64 = 0x5354_4550; // "STEP"
pub(crate) const THINK_STREAM: u64 = 0x5448_494e; // "THIN"

/// A seed for one user's stream, well mixed (splitmix64) so neighbouring users and seeds do
/// not get related generators.
pub(crate) fn derive_seed(seed: u64, user: u64, stream: u64) -> u64 {
    fn splitmix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    splitmix(seed ^ splitmix(user ^ splitmix(stream)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_reads_names_weights_and_pins() {
        let mix: Mix = "navegar=5, produto=3,busca=1,carrinho=2,checkout:2=1"
            .parse()
            .unwrap();
        assert_eq!(
            mix.to_string(),
            "navegar=5,produto=3,busca=1,carrinho=2,checkout:2=1"
        );
        assert_eq!(mix.share(Action::Navegar), 5.0 / 12.0);
        assert_eq!(
            "navegar=1,voar=2".parse::<Mix>(),
            Err(MixError::UnknownAction("voar".into()))
        );
        assert_eq!("navegar=0".parse::<Mix>(), Err(MixError::Empty));
        assert!(matches!(
            "checkout:9=1".parse::<Mix>(),
            Err(MixError::UnknownProduct { .. })
        ));
        assert!(matches!(
            "busca:2=1".parse::<Mix>(),
            Err(MixError::NotPinnable(_))
        ));
        assert!(matches!(
            "navegar=1,navegar=2".parse::<Mix>(),
            Err(MixError::Duplicate(_))
        ));
        assert!(matches!("navegar".parse::<Mix>(), Err(MixError::Syntax(_))));
    }

    #[test]
    fn every_action_is_picked_about_as_often_as_its_weight_says() {
        let mix = Mix::default();
        let mut steps = user_steps(&mix, 7, 0);
        let mut counts = BTreeMap::new();
        let n = 12_000;
        for _ in 0..n {
            *counts
                .entry(steps.next_with_action().0.name())
                .or_insert(0u32) += 1;
        }
        for (action, weight) in mix.entries() {
            let expected = f64::from(n) * f64::from(*weight) / 13.0;
            let seen = f64::from(counts[action.name()]);
            assert!(
                (seen - expected).abs() < expected * 0.1,
                "{action}: {seen} vs {expected}"
            );
        }
    }

    #[test]
    fn requests_are_ones_the_shop_accepts() {
        let mix = Mix::default();
        for step in user_steps(&mix, 1, 3).take(500) {
            match step.endpoint {
                Endpoint::Produto => {
                    let id: u32 = step.path["/produto/".len()..].parse().unwrap();
                    assert!(PRODUTO_IDS.contains(&id));
                }
                Endpoint::Busca => assert!(step.path.starts_with("/busca?termo=")),
                Endpoint::Carrinho | Endpoint::Checkout => {
                    assert!(step.body.as_deref().unwrap().contains(r#""quantidade":1"#));
                }
                _ => assert_eq!(step.path, step.endpoint.route()),
            }
            assert_eq!(step.body.is_some(), step.endpoint.method() == "POST");
        }
    }

    #[test]
    fn a_pinned_checkout_always_buys_that_product() {
        let mix = Mix::only(Action::Checkout {
            produto_id: Some(2),
        });
        for step in user_steps(&mix, 9, 0).take(50) {
            assert!(step.body.unwrap().starts_with(r#"{"produto_id":2,"#));
        }
    }
}
