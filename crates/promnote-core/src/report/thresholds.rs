//! Colours for numbers, as Grafana gives them: threshold steps (`thresholds=green,80:orange,90:red`:
//! a base colour, then the colour from each value up), how a time chart shows them
//! (`thresholds_style=line|area|line+area`), and value mappings, numbers shown as words
//! (`mappings="0:Down:red,1:Up:green,90..:High,null:No data"`). The text a mapping shows is
//! plain text, never markup.

/// A colour: Grafana's named ones (and their shades), `#rgb`, `#rrggbb`, `rgb()`/`rgba()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colour {
    /// Red, green, blue.
    pub rgb: (u8, u8, u8),
    /// The name it was given (`green`), if it was named; else written as `#rrggbb`.
    pub name: Option<String>,
}

/// Grafana's hues and their five shades (super-light, light, the hue itself, semi-dark,
/// dark), as its default (dark) theme draws them.
const HUES: [(&str, [u32; 5]); 6] = [
    ("red", [0xffa6b0, 0xff7383, 0xf2495c, 0xe02f44, 0xc4162a]),
    ("orange", [0xffcb7d, 0xffb357, 0xff9830, 0xff780a, 0xfa6400]),
    ("yellow", [0xfff899, 0xffee52, 0xfade2a, 0xf2cc0c, 0xe0b400]),
    ("green", [0xc8f2c2, 0x96d98d, 0x73bf69, 0x56a64b, 0x37872d]),
    ("blue", [0xc0d8ff, 0x8ab8ff, 0x5794f2, 0x3274d9, 0x1f60c4]),
    ("purple", [0xdeb6f2, 0xca95e5, 0xb877d9, 0xa352cc, 0x8f3bb8]),
];

/// Grafana's other named colours, without shades.
const NAMED: [(&str, u32); 5] = [
    ("transparent", 0xffffff),
    ("text", 0x808080),
    ("grey", 0x808080),
    ("gray", 0x808080),
    ("white", 0xffffff),
];

impl Colour {
    /// Reads a colour as a report or a dashboard writes it; `dark-red`, `semi-dark-red`,
    /// `light-red` and `super-light-red` are `red`'s shades, as Grafana's palette has them.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        if let Some(hex) = lower.strip_prefix('#') {
            let digits: Vec<u8> =
                hex.chars().map(|c| c.to_digit(16).map(|d| d as u8)).collect::<Option<_>>()?;
            let rgb = match digits.as_slice() {
                [r, g, b] => (r * 17, g * 17, b * 17),
                [r1, r2, g1, g2, b1, b2] | [r1, r2, g1, g2, b1, b2, _, _] => {
                    (r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2)
                }
                _ => return None,
            };
            return Some(Self { rgb, name: None });
        }
        if let Some(inner) = lower.strip_prefix("rgba(").or_else(|| lower.strip_prefix("rgb(")) {
            let parts: Vec<u8> = inner
                .trim_end_matches(')')
                .split(',')
                .take(3)
                .map(|p| p.trim().parse::<f64>().ok().map(|v| v.clamp(0.0, 255.0).round() as u8))
                .collect::<Option<_>>()?;
            let [r, g, b] = parts[..] else { return None };
            return Some(Self { rgb: (r, g, b), name: None });
        }
        let (shade, base) = [("super-light-", 0), ("semi-dark-", 3), ("light-", 1), ("dark-", 4)]
            .iter()
            .find_map(|(p, i)| lower.strip_prefix(p).map(|b| (*i, b)))
            .unwrap_or((2, lower.as_str()));
        let hue = HUES.iter().find(|(n, _)| *n == base).map(|(_, shades)| shades[shade]);
        let plain = || NAMED.iter().find(|(n, _)| *n == lower).map(|(_, c)| *c);
        let value = if shade == 2 { hue.or_else(plain)? } else { hue? };
        let rgb = ((value >> 16) as u8, (value >> 8) as u8, value as u8);
        Some(Self { rgb, name: Some(lower) })
    }

    /// `#rrggbb`.
    pub fn hex(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.rgb.0, self.rgb.1, self.rgb.2)
    }

    /// Whether this is Grafana's `transparent`: no colour at all (a cell or band keeps the
    /// page's own).
    pub fn is_transparent(&self) -> bool {
        self.name.as_deref() == Some("transparent")
    }

    /// As a report writes it: its name, or `#rrggbb`.
    pub fn write(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.hex())
    }

    /// WCAG's relative luminance.
    fn luminance(&self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.rgb.0) + 0.7152 * channel(self.rgb.1) + 0.0722 * channel(self.rgb.2)
    }

    /// The text colour on this background, black or white, whichever contrasts more:
    /// at least 4.58:1 for any background (WCAG AA asks 4.5:1), in light and dark pages
    /// alike, since the background carries its own text colour.
    pub fn text_on(&self) -> &'static str {
        let l = self.luminance();
        if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) {
            "#000000"
        } else {
            "#ffffff"
        }
    }

    /// The contrast ratio of this colour's text ([`Self::text_on`]) on it.
    pub fn contrast(&self) -> f64 {
        let l = self.luminance();
        ((l + 0.05) / 0.05).max(1.05 / (l + 0.05))
    }
}

/// `text` split at each `separator` that is neither escaped (`\,`) nor inside
/// parentheses (`rgb(1, 2, 3)`), escapes kept for [`unescape`].
fn split_outside(text: &str, separator: char) -> Vec<&str> {
    let (mut parts, mut depth, mut start, mut escaped) = (Vec::new(), 0usize, 0, false);
    for (at, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if c == separator && depth == 0 => {
                parts.push(&text[start..at]);
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `text` without its escapes (`\:` is `:`).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// A mapping's text as written in `mappings=`: `\`, `,` and `:` escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | ',' | ':') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Threshold steps: the base colour below the first step, then each step's colour from
/// its value up.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Thresholds {
    /// Below every step (`None`: no colour there).
    pub base: Option<Colour>,
    /// (from this value up, colour), ascending.
    pub steps: Vec<(f64, Colour)>,
}

impl Thresholds {
    /// Reads `green,80:orange,90:red` (the base, without a value, first and optional).
    pub fn parse(text: &str) -> Result<Self, String> {
        let hint =
            "write the base colour, then value:colour steps in order, e.g. thresholds=green,80:orange,90:red";
        let mut out = Self::default();
        for (i, item) in
            split_outside(text, ',').into_iter().map(str::trim).filter(|s| !s.is_empty()).enumerate()
        {
            match item.split_once(':') {
                None if i == 0 => {
                    out.base = Some(
                        Colour::parse(item)
                            .ok_or_else(|| format!("thresholds: `{item}` is not a colour; {hint}"))?,
                    );
                }
                None => return Err(format!("thresholds: `{item}` has no value; {hint}")),
                Some((value, colour)) => {
                    let value: f64 = value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|v: &f64| v.is_finite())
                        .ok_or_else(|| format!("thresholds: `{value}` is not a number; {hint}"))?;
                    let colour = Colour::parse(colour)
                        .ok_or_else(|| format!("thresholds: `{colour}` is not a colour; {hint}"))?;
                    if out.steps.last().is_some_and(|(last, _)| *last >= value) {
                        return Err(format!("thresholds: the steps must go up; {hint}"));
                    }
                    out.steps.push((value, colour));
                }
            }
        }
        if out.base.is_none() && out.steps.is_empty() {
            return Err(format!("thresholds: no colours; {hint}"));
        }
        Ok(out)
    }

    /// As a report writes it.
    pub fn write(&self) -> String {
        let steps = self.steps.iter().map(|(v, c)| format!("{v}:{}", c.write()));
        self.base.iter().map(Colour::write).chain(steps).collect::<Vec<_>>().join(",")
    }

    /// The colour of `value`: the last step at or below it, else the base (`None` where
    /// that is `transparent`).
    pub fn colour_of(&self, value: f64) -> Option<&Colour> {
        if !value.is_finite() {
            return None;
        }
        let step = self.steps.iter().rev().find(|(from, _)| value >= *from);
        step.map(|(_, c)| c).or(self.base.as_ref()).filter(|c| !c.is_transparent())
    }
}

/// How a time chart shows its thresholds (Grafana's `thresholdsStyle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThresholdsStyle {
    /// Not on the chart (stats and tables still take their colours).
    #[default]
    Off,
    /// A line at each step.
    Line,
    /// Each step's band filled.
    Area,
    /// Both.
    LineArea,
}

impl ThresholdsStyle {
    /// Every style, by name.
    pub const ALL: [(&'static str, ThresholdsStyle); 4] = [
        ("off", ThresholdsStyle::Off),
        ("line", ThresholdsStyle::Line),
        ("area", ThresholdsStyle::Area),
        ("line+area", ThresholdsStyle::LineArea),
    ];

    /// From its name; Grafana's dashed styles are its lines.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.replace("dashed", "line");
        Self::ALL.iter().find(|(n, _)| *n == text).map(|(_, s)| *s)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, s)| *s == self).map_or("off", |(n, _)| n)
    }

    /// Whether lines are drawn.
    pub fn lines(self) -> bool {
        matches!(self, ThresholdsStyle::Line | ThresholdsStyle::LineArea)
    }

    /// Whether bands are filled.
    pub fn areas(self) -> bool {
        matches!(self, ThresholdsStyle::Area | ThresholdsStyle::LineArea)
    }
}

/// What a value mapping matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Match {
    /// Exactly this number.
    Value(f64),
    /// From .. to, both included; an open end is unbounded.
    Range(Option<f64>, Option<f64>),
    /// No value (a gap).
    Null,
    /// NaN.
    NaN,
}

/// A value mapping: numbers it matches are shown as `text` (and in `colour`).
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// What it matches.
    pub when: Match,
    /// What is shown instead of the number (plain text).
    pub text: String,
    /// Its colour, over the thresholds'.
    pub colour: Option<Colour>,
}

/// Reads `mappings="0:Down:red,1:Up:green,90..:High,..10:Low,null:No data,nan:Not a number"`.
pub fn parse_mappings(text: &str) -> Result<Vec<Mapping>, String> {
    let hint = "write match:text or match:text:colour, comma-separated, e.g. mappings=\"0:Down:red,1:Up:green,90..:High,null:No data\"";
    let mut out = Vec::new();
    for item in split_outside(text, ',').into_iter().map(str::trim).filter(|s| !s.is_empty()) {
        let parts = split_outside(item, ':');
        let [when, rest @ ..] = parts.as_slice() else { unreachable!("a split has a first part") };
        if rest.is_empty() {
            return Err(format!("mappings: `{item}` has no text; {hint}"));
        }
        let number = |s: &str| -> Result<Option<f64>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| format!("mappings: `{s}` is not a number; {hint}"))
        };
        let when = match when.trim() {
            "null" => Match::Null,
            "nan" | "NaN" => Match::NaN,
            w => match w.split_once("..") {
                Some((from, to)) => Match::Range(number(from)?, number(to)?),
                None => Match::Value(
                    number(w)?.ok_or_else(|| format!("mappings: `{item}` matches nothing; {hint}"))?,
                ),
            },
        };
        // A last `:colour` is the mapping's colour when it reads as one; a colon the text
        // holds is written `\:` (one left bare stays in the text).
        let (text, colour) = match rest {
            [text @ .., last] if !text.is_empty() && Colour::parse(last).is_some() => {
                (text.join(":"), Colour::parse(last))
            }
            _ => (rest.join(":"), None),
        };
        let text = unescape(text.trim());
        out.push(Mapping { when, text, colour });
    }
    Ok(out)
}

/// `mappings=` as written.
pub fn write_mappings(mappings: &[Mapping]) -> String {
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    mappings
        .iter()
        .map(|m| {
            let when = match &m.when {
                Match::Value(v) => v.to_string(),
                Match::Range(from, to) => format!("{}..{}", number(*from), number(*to)),
                Match::Null => "null".to_owned(),
                Match::NaN => "nan".to_owned(),
            };
            let colour = m.colour.as_ref().map(|c| format!(":{}", c.write())).unwrap_or_default();
            format!("{when}:{}{colour}", escape(&m.text))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The first mapping that matches `value` (`None`: a gap).
pub fn mapped(mappings: &[Mapping], value: Option<f64>) -> Option<&Mapping> {
    mappings.iter().find(|m| match (&m.when, value) {
        (Match::Null, None) => true,
        (Match::NaN, Some(v)) => v.is_nan(),
        (Match::Value(x), Some(v)) => *x == v,
        (Match::Range(from, to), Some(v)) => {
            !v.is_nan() && from.is_none_or(|f| v >= f) && to.is_none_or(|t| v <= t)
        }
        _ => false,
    })
}

/// A number as a stat or table shows it: its mapping's text (a mapping without text only
/// colours), or `number` (the value written for reading), with the colour its mapping or the thresholds give it.
pub fn shown<'a>(
    value: Option<f64>,
    number: impl FnOnce(f64) -> String,
    thresholds: Option<&'a Thresholds>,
    mappings: &'a [Mapping],
) -> (String, Option<&'a Colour>) {
    let mapping = mapped(mappings, value);
    let text = match (mapping, value) {
        (Some(m), _) if !m.text.is_empty() => m.text.clone(),
        (_, Some(v)) => number(v),
        (_, None) => String::new(),
    };
    let colour = match mapping.and_then(|m| m.colour.as_ref()) {
        Some(c) => Some(c).filter(|c| !c.is_transparent()),
        None => value.and_then(|v| thresholds.and_then(|t| t.colour_of(v))),
    };
    (text, colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_read_in_every_form_grafana_writes_them() {
        assert_eq!(Colour::parse("green").unwrap().hex(), "#73bf69");
        assert_eq!(Colour::parse("#F00").unwrap().hex(), "#ff0000");
        assert_eq!(Colour::parse("#EAB839").unwrap().hex(), "#eab839");
        assert_eq!(Colour::parse("rgba(50, 172, 45, 0.97)").unwrap().hex(), "#32ac2d");
        assert_eq!(Colour::parse("dark-red").unwrap().write(), "dark-red");
        // Shades are Grafana's own, not mixed towards black or white.
        let hex = |name: &str| Colour::parse(name).map(|c| c.hex());
        assert_eq!(hex("dark-red").as_deref(), Some("#c4162a"));
        assert_eq!(hex("semi-dark-orange").as_deref(), Some("#ff780a"));
        assert_eq!(hex("super-light-blue").as_deref(), Some("#c0d8ff"));
        assert_eq!(hex("light-green").as_deref(), Some("#96d98d"));
        assert_eq!(hex("dark-yellow").as_deref(), Some("#e0b400"));
        assert_eq!(hex("semi-dark-purple").as_deref(), Some("#a352cc"));
        assert_eq!(hex("dark-text"), None);
        assert_eq!(hex("text").as_deref(), Some("#808080"));
        assert!(Colour::parse("dark-red").unwrap().luminance() < Colour::parse("red").unwrap().luminance());
        assert_eq!(Colour::parse("chartreuse"), None);
        // Black or white text on any colour: at least WCAG AA's 4.5:1.
        for c in [
            "green",
            "red",
            "yellow",
            "blue",
            "purple",
            "dark-red",
            "super-light-blue",
            "#777777",
            "#000",
            "#fff",
        ] {
            let colour = Colour::parse(c).unwrap();
            assert!(colour.contrast() >= 4.5, "{c}: {}", colour.contrast());
        }
        assert_eq!(Colour::parse("yellow").unwrap().text_on(), "#000000");
        assert_eq!(Colour::parse("dark-blue").unwrap().text_on(), "#ffffff");
    }

    #[test]
    fn threshold_steps_colour_a_value_from_each_step_up() {
        let t = Thresholds::parse("green, 80:orange, 90:#ff0000").unwrap();
        let colour = |v: f64| t.colour_of(v).map(Colour::hex);
        assert_eq!(colour(10.0).as_deref(), Some("#73bf69"));
        assert_eq!(colour(80.0).as_deref(), Some("#ff9830"));
        assert_eq!(colour(95.5).as_deref(), Some("#ff0000"));
        assert_eq!(colour(f64::NAN), None);
        assert_eq!(t.write(), "green,80:orange,90:#ff0000");
        assert_eq!(Thresholds::parse(&t.write()).unwrap(), t);
        let no_base = Thresholds::parse("80:red").unwrap();
        assert_eq!(no_base.colour_of(10.0), None);
        assert!(Thresholds::parse("90:red,80:orange").unwrap_err().contains("must go up"));
        assert!(Thresholds::parse("green,red").unwrap_err().contains("has no value"));
        assert!(Thresholds::parse("80:chartreuse").unwrap_err().contains("not a colour"));
        assert!(Thresholds::parse("x:red").unwrap_err().contains("not a number"));
        assert_eq!(ThresholdsStyle::parse("dashed+area"), Some(ThresholdsStyle::LineArea));
    }

    #[test]
    fn mappings_turn_numbers_into_words() {
        let m = parse_mappings(
            "0:Down:red, 1:Up:green, 90..:High, ..-1:Negative, null:No data, nan:Not a number, 2:a: b",
        )
        .unwrap();
        let text = |v: Option<f64>| shown(v, |v| format!("{v}"), None, &m).0;
        assert_eq!(text(Some(0.0)), "Down");
        assert_eq!(
            shown(Some(1.0), |_| String::new(), None, &m).1.map(Colour::hex).as_deref(),
            Some("#73bf69")
        );
        assert_eq!(text(Some(95.0)), "High");
        assert_eq!(text(Some(-5.0)), "Negative");
        assert_eq!(text(None), "No data");
        assert_eq!(text(Some(f64::NAN)), "Not a number");
        assert_eq!(text(Some(2.0)), "a: b");
        assert_eq!(text(Some(50.0)), "50");
        assert_eq!(
            write_mappings(&m),
            "0:Down:red,1:Up:green,90..:High,..-1:Negative,null:No data,nan:Not a number,2:a\\: b"
        );
        assert_eq!(parse_mappings(&write_mappings(&m)).unwrap(), m);
        // Thresholds colour what no mapping colours.
        let t = Thresholds::parse("green,80:red").unwrap();
        assert_eq!(
            shown(Some(95.0), |v| v.to_string(), Some(&t), &m).1.map(Colour::hex).as_deref(),
            Some("#f2495c")
        );
        assert!(parse_mappings("Up").unwrap_err().contains("has no text"));
        // Text with colons, commas and backslashes, negative ranges and rgb() colours all
        // round-trip.
        let tricky = vec![
            Mapping { when: Match::Value(1.0), text: "State: red".into(), colour: None },
            Mapping {
                when: Match::Range(Some(-5.0), Some(-1.0)),
                text: "1,000 req \\ s".into(),
                colour: Colour::parse("rgb(255, 0, 0)"),
            },
            Mapping {
                when: Match::Value(2.0),
                text: "Code:#abc".into(),
                colour: Colour::parse("transparent"),
            },
        ];
        assert_eq!(parse_mappings(&write_mappings(&tricky)).unwrap(), tricky);
        assert_eq!(shown(Some(-3.0), |v| v.to_string(), None, &tricky).0, "1,000 req \\ s");
        // transparent is no colour, in a mapping as in a step.
        assert_eq!(shown(Some(2.0), |v| v.to_string(), Some(&t), &tricky).1, None);
        let clear = Thresholds::parse("green,50:transparent,80:rgb(255,0,0)").unwrap();
        assert_eq!(clear.colour_of(60.0), None);
        assert_eq!(clear.colour_of(90.0).map(Colour::hex).as_deref(), Some("#ff0000"));
        assert!(parse_mappings("inf:x").unwrap_err().contains("not a number"));
        assert!(parse_mappings("x:Up").unwrap_err().contains("not a number"));
    }
}
