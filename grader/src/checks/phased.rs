//! The kinds a phase of the grading decides (the alert scenarios, the Black Friday, a batch
//! job's runs), not the checks that follow the load: their verdicts come from that phase, and
//! one that reaches the checks was not run.

use super::{Context, Judge, Outcome};
use crate::lang::{Text, both};
use crate::spec::kinds;

fn not_run(what: Text) -> Outcome {
    Outcome::fail(what, both("não executado", "not run"), None)
}

impl Judge for kinds::AlertFires {
    async fn judge(&self, _: &mut Context<'_>) -> Outcome {
        not_run(both(
            format!("o cenário de `{}`", self.alert),
            format!("the scenario of `{}`", self.alert),
        ))
    }
}

impl Judge for kinds::AlertNotified {
    async fn judge(&self, _: &mut Context<'_>) -> Outcome {
        not_run(both(
            "as notificações dos cenários",
            "the scenarios' notifications",
        ))
    }
}

impl Judge for kinds::BlackFridayAlerts {
    async fn judge(&self, _: &mut Context<'_>) -> Outcome {
        not_run(both("a Black Friday", "the Black Friday"))
    }
}

impl Judge for kinds::BlackFridaySales {
    async fn judge(&self, _: &mut Context<'_>) -> Outcome {
        not_run(both("a Black Friday", "the Black Friday"))
    }
}

/// A batch job's kinds: judged on its runs (see `crate::job`).
macro_rules! judged_on_the_job_runs {
    ($($kind:ident),*) => {$(
        impl Judge for kinds::$kind {
            async fn judge(&self, _: &mut Context<'_>) -> Outcome {
                not_run(both("as execuções do job", "the job's runs"))
            }
        }
    )*};
}
judged_on_the_job_runs!(JobExits, Pushed, PushGroup, PushScraped, PushAlert);
