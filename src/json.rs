//! A small JSON reader (RFC 8259) for `config.json` and the parent's JSON
//! payloads (types 15 and 16). Numbers are kept only as what we can use: a
//! whole number from 0 up; nesting is bounded, so hostile input cannot
//! exhaust the stack. Measured against serde_json: see docs/architecture.md.

use crate::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A non-negative integer that fits `u64`; None for any other number
    /// (negative, fractional, with an exponent, or too large).
    Num(Option<u64>),
    Str(String),
    Arr(Vec<Value>),
    /// In document order; a repeated key appears twice (`get` takes the last).
    Obj(Vec<(String, Value)>),
}

const MAX_DEPTH: u32 = 32;

impl Value {
    /// None if `text` is not exactly one JSON value (surrounding whitespace aside).
    pub fn parse(text: &str) -> Option<Value> {
        let mut r = Reader { s: text, b: text.as_bytes(), i: 0 };
        let v = r.value(0)?;
        r.space();
        (r.i == r.b.len()).then_some(v)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Num(n) => *n,
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Arr(a) => Some(a),
            _ => None,
        }
    }
}

struct Reader<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.space();
        let hit = self.peek() == Some(c);
        self.i += hit as usize;
        hit
    }

    fn word(&mut self, w: &str, v: Value) -> Option<Value> {
        let hit = self.b[self.i..].starts_with(w.as_bytes());
        self.i += w.len();
        hit.then_some(v)
    }

    fn value(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.space();
        Some(match self.peek()? {
            b'{' => {
                self.i += 1;
                let mut m = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.space();
                        let k = self.string()?;
                        if !self.eat(b':') {
                            return None;
                        }
                        m.push((k, self.value(depth + 1)?));
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Value::Obj(m)
            }
            b'[' => {
                self.i += 1;
                let mut a = Vec::new();
                if !self.eat(b']') {
                    loop {
                        a.push(self.value(depth + 1)?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Value::Arr(a)
            }
            b'"' => Value::Str(self.string()?),
            b't' => return self.word("true", Value::Bool(true)),
            b'f' => return self.word("false", Value::Bool(false)),
            b'n' => return self.word("null", Value::Null),
            _ => self.number()?,
        })
    }

    fn number(&mut self) -> Option<Value> {
        let negative = self.peek() == Some(b'-');
        self.i += negative as usize;
        let int_start = self.i;
        let mut n: Option<u64> = Some(0);
        while let Some(d @ b'0'..=b'9') = self.peek() {
            n = n.and_then(|n| n.checked_mul(10)?.checked_add((d - b'0') as u64));
            self.i += 1;
        }
        let digits = self.i - int_start;
        // No leading zeros (RFC 8259 §6), at least one digit.
        if digits == 0 || (digits > 1 && self.b[int_start] == b'0') {
            return None;
        }
        let mut whole = !negative;
        if self.peek() == Some(b'.') {
            self.i += 1;
            whole = false;
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            whole = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digits()?;
        }
        Some(Value::Num(n.filter(|_| whole)))
    }

    fn digits(&mut self) -> Option<()> {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        (self.i > start).then_some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.b.get(self.i..self.i + 4)?;
        self.i += 4;
        let mut n = 0;
        for &c in h {
            n = n * 16 + (c as char).to_digit(16)?;
        }
        Some(n)
    }

    /// A string; the cursor is on its opening quote.
    fn string(&mut self) -> Option<String> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // The input is a str and we stopped on ASCII: a char boundary.
            out.push_str(self.s.get(start..self.i)?);
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    out.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                // A surrogate pair; a lone half is refused.
                                if !self.b[self.i..].starts_with(b"\\u") {
                                    return None;
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return None;
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(c)?
                        }
                        _ => return None,
                    });
                }
                // A raw control character.
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn p(s: &str) -> Option<Value> {
        Value::parse(s)
    }

    #[test]
    fn values() {
        assert_eq!(p(" null "), Some(Value::Null));
        assert_eq!(p("[true,false]"), Some(Value::Arr(vec![Value::Bool(true), Value::Bool(false)])));
        assert_eq!(p("0"), Some(Value::Num(Some(0))));
        assert_eq!(p("4294967296"), Some(Value::Num(Some(1 << 32))));
        assert_eq!(p("18446744073709551616"), Some(Value::Num(None)));
        for n in ["-1", "1.5", "1e3", "1E+3", "-0", "2.0"] {
            assert_eq!(p(n), Some(Value::Num(None)), "{n}");
        }
        let o = p(r#"{"a":"x\"\\\/\n\u00e9\ud83d\ude00","b":{"c":[]},"a":"y"}"#).unwrap();
        assert_eq!(o.get("a").and_then(Value::as_str), Some("y"));
        match &o {
            Value::Obj(m) => assert_eq!(m[0].1.as_str(), Some("x\"\\/\né😀")),
            _ => panic!(),
        }
        assert_eq!(o.get("b").and_then(|b| b.get("c")).and_then(Value::as_array).map(|a| a.len()), Some(0));
        assert_eq!(p("\"é日\"").as_ref().and_then(Value::as_str), Some("é日"));
    }

    #[test]
    fn not_json() {
        for bad in [
            "", " ", "{", "}", "[1,]", "[,1]", "{\"a\"}", "{\"a\":1,}", "{a:1}", "'a'", "01", "1.", ".5", "1e",
            "-", "+1", "tru", "nul", "truex", "\"a", "\"\\x\"", "\"\\ud800\"", "\"\\ud800\\u0041\"", "\"\\u12\"",
            "\"a\nb\"", "1 2", "[1] x", "{\"a\":1}{}",
        ] {
            assert_eq!(p(bad), None, "{bad:?}");
        }
        let deep = "[".repeat(40) + &"]".repeat(40);
        assert_eq!(p(&deep), None);
        let ok = "[".repeat(30) + &"]".repeat(30);
        assert!(p(&ok).is_some());
    }
}
