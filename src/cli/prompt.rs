//! Questions for `supportbot setup`: dialoguer widgets on a terminal, numbered plain-text
//! prompts on stderr when stdin is piped (read line by line, so a script can answer), and
//! none at all with `--non-interactive`, where a missing answer is an error naming its flag.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};

/// Asks the operator.
pub trait Prompter {
    /// A line of text (`default` when the answer is empty).
    fn text(&mut self, question: &str, default: Option<&str>) -> Result<String>;
    /// A secret (not echoed on a terminal).
    fn secret(&mut self, question: &str) -> Result<String>;
    /// One of `options`, by index.
    fn choose(&mut self, question: &str, options: &[String], default: usize) -> Result<usize>;
    /// Any of `options` (possibly none), by index.
    fn choose_many(&mut self, question: &str, options: &[String]) -> Result<Vec<usize>>;
}

/// The prompter for this process: dialoguer when stdin and stderr are terminals, else plain.
pub fn for_stdin() -> Box<dyn Prompter> {
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        Box::new(Tty)
    } else {
        Box::new(Lines::new(Box::new(std::io::BufReader::new(
            std::io::stdin(),
        ))))
    }
}

/// dialoguer on the terminal.
struct Tty;

impl Prompter for Tty {
    fn text(&mut self, question: &str, default: Option<&str>) -> Result<String> {
        let mut input = dialoguer::Input::<String>::new().with_prompt(question);
        if let Some(d) = default {
            input = input.default(d.to_string());
        }
        Ok(input.interact_text()?)
    }

    fn secret(&mut self, question: &str) -> Result<String> {
        Ok(dialoguer::Password::new()
            .with_prompt(question)
            .interact()?)
    }

    fn choose(&mut self, question: &str, options: &[String], default: usize) -> Result<usize> {
        Ok(dialoguer::Select::new()
            .with_prompt(question)
            .items(options)
            .default(default)
            .interact()?)
    }

    fn choose_many(&mut self, question: &str, options: &[String]) -> Result<Vec<usize>> {
        Ok(dialoguer::MultiSelect::new()
            .with_prompt(format!("{question} (space toggles, enter confirms)"))
            .items(options)
            .interact()?)
    }
}

/// Plain prompts on stderr, answers read line by line.
pub struct Lines {
    input: Box<dyn BufRead>,
}

impl Lines {
    /// Reads answers from `input`.
    pub fn new(input: Box<dyn BufRead>) -> Lines {
        Lines { input }
    }

    fn line(&mut self, question: &str) -> Result<String> {
        eprint!("{question}: ");
        let _ = std::io::stderr().flush();
        let mut s = String::new();
        let n = self
            .input
            .read_line(&mut s)
            .context("cannot read the answer")?;
        if n == 0 {
            bail!("no answer to `{question}`: standard input ended");
        }
        Ok(s.trim().to_string())
    }

    fn list(options: &[String]) {
        for (i, o) in options.iter().enumerate() {
            eprintln!("  {}) {o}", i + 1);
        }
    }

    fn number(answer: &str, len: usize) -> Option<usize> {
        answer
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=len).contains(n))
            .map(|n| n - 1)
    }
}

impl Prompter for Lines {
    fn text(&mut self, question: &str, default: Option<&str>) -> Result<String> {
        let shown = match default {
            Some(d) => format!("{question} [{d}]"),
            None => question.to_string(),
        };
        let answer = self.line(&shown)?;
        Ok(match (answer.is_empty(), default) {
            (true, Some(d)) => d.to_string(),
            _ => answer,
        })
    }

    fn secret(&mut self, question: &str) -> Result<String> {
        self.line(question)
    }

    fn choose(&mut self, question: &str, options: &[String], default: usize) -> Result<usize> {
        Lines::list(options);
        loop {
            let answer = self.line(&format!(
                "{question} [1-{}, default {}]",
                options.len(),
                default + 1
            ))?;
            if answer.is_empty() {
                return Ok(default);
            }
            match Lines::number(&answer, options.len()) {
                Some(n) => return Ok(n),
                None => eprintln!("answer with a number from 1 to {}", options.len()),
            }
        }
    }

    fn choose_many(&mut self, question: &str, options: &[String]) -> Result<Vec<usize>> {
        Lines::list(options);
        loop {
            let answer = self.line(&format!(
                "{question} [numbers separated by commas, empty for none]"
            ))?;
            let picked: Option<Vec<usize>> = answer
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Lines::number(s, options.len()))
                .collect();
            match picked {
                Some(p) => return Ok(p),
                None => eprintln!("answer with numbers from 1 to {}", options.len()),
            }
        }
    }
}
