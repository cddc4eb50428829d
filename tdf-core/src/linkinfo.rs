//! The linker-information unit (§3): usage bits, the `tld` unit body in formats 0 and 1
//! (and the obsolete `tld2` set, read like format 0), per-name validation (§3.5) and the
//! rule that merges usage across capsules (§3.6).

use std::fmt;

use crate::bits::Writer;

/// The usage bits of one external name in one capsule (or merged over several).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Usage(u8);

impl Usage {
    /// The name is used.
    pub const USED: Usage = Usage(1);
    /// The name is declared.
    pub const DECD: Usage = Usage(2);
    /// The name is uniquely defined.
    pub const DEFD: Usage = Usage(4);
    /// The name has a non-unique ("may be multiply") definition, like a C common.
    pub const MULT: Usage = Usage(8);
    /// No bits.
    pub const NONE: Usage = Usage(0);

    /// The usage with these bits; `None` if a reserved bit (4 and up) is set.
    pub fn from_bits(bits: u32) -> Option<Usage> {
        (bits & !0xF == 0).then_some(Usage(bits as u8))
    }

    /// The bits as a number.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// True if every bit of `other` is set here.
    pub fn contains(self, other: Usage) -> bool {
        self.0 & other.0 == other.0
    }

    /// True if any bit of `other` is set here.
    pub fn intersects(self, other: Usage) -> bool {
        self.0 & other.0 != 0
    }

    /// True for a name with a definition: DEFD or MULT.
    pub fn is_defined(self) -> bool {
        self.intersects(Usage::DEFD | Usage::MULT)
    }

    /// True when the only definitions are non-unique: MULT without DEFD.
    pub fn mult_only(self) -> bool {
        self.0 & (Usage::DEFD.0 | Usage::MULT.0) == Usage::MULT.0
    }
}

impl std::ops::BitOr for Usage {
    type Output = Usage;
    fn bitor(self, rhs: Usage) -> Usage {
        Usage(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Usage {
    fn bitor_assign(&mut self, rhs: Usage) {
        self.0 |= rhs.0;
    }
}

impl fmt::Display for Usage {
    /// `{DEFD, MULT, DECD, USED}` with only the set flags, in that fixed order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flags = [
            (Usage::DEFD, "DEFD"),
            (Usage::MULT, "MULT"),
            (Usage::DECD, "DECD"),
            (Usage::USED, "USED"),
        ];
        f.write_str("{")?;
        let mut first = true;
        for (bit, label) in flags {
            if self.contains(bit) {
                if !first {
                    f.write_str(", ")?;
                }
                f.write_str(label)?;
                first = false;
            }
        }
        f.write_str("}")
    }
}

impl fmt::Debug for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Which linker-information unit set a capsule carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkInfoKind {
    /// None: the capsule's names get no usage information.
    Missing,
    /// A `tld` unit of the given format (0 or 1).
    Tld(u32),
    /// The obsolete `tld2` set (read as format 0).
    Tld2,
}

/// Why a usage value is not acceptable for a name (§3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageError {
    /// Reserved bits set.
    BadUsage,
    /// A token with the MULT bit.
    IllegallyMultiplyDefined,
    /// A tag defined (DEFD or MULT) but not declared.
    DefinedButNotDeclared,
}

/// Validates usage `bits` read for a name of shape `shape` (§3.5).
pub fn check_usage(shape: &[u8], bits: u32) -> Result<Usage, UsageError> {
    let u = Usage::from_bits(bits).ok_or(UsageError::BadUsage)?;
    if shape == b"token" && u.contains(Usage::MULT) {
        return Err(UsageError::IllegallyMultiplyDefined);
    }
    if shape == b"tag"
        && ((u.contains(Usage::DEFD) && !u.contains(Usage::DECD))
            || (u.contains(Usage::MULT) && !u.contains(Usage::DECD)))
    {
        return Err(UsageError::DefinedButNotDeclared);
    }
    Ok(u)
}

/// The outcome of merging one capsule's usage of a name into the accumulated usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge<D> {
    /// Merged without conflict.
    Ok,
    /// A second unique definition; carries the previous defining capsule, if known.
    MultiplyDefined(Option<D>),
}

/// Merges usage `u` of a name, seen in capsule `this`, into the accumulated usage `acc`
/// and recorded definition `def` (§3.6). The definition is the capsule a library index
/// names for the name, and the "previous definition" of a multiple-definition error.
pub fn merge_usage<D: Copy>(acc: &mut Usage, def: &mut Option<D>, u: Usage, this: D) -> Merge<D> {
    let mut result = Merge::Ok;
    if u.contains(Usage::DEFD) && acc.contains(Usage::DEFD) {
        result = Merge::MultiplyDefined(*def);
    } else if u.contains(Usage::MULT)
        && acc.contains(Usage::MULT)
        && !u.contains(Usage::DEFD)
        && !acc.contains(Usage::DEFD)
    {
        *def = None;
    } else if u.contains(Usage::DEFD) || (u.contains(Usage::MULT) && !acc.is_defined()) {
        *def = Some(this);
    }
    *acc |= u;
    result
}

/// The body of a format-1 `tld` unit: the format number, then one usage per name.
pub fn write_tld_body<I: IntoIterator<Item = Usage>>(usages: I) -> Vec<u8> {
    let mut w = Writer::new();
    w.write_tdfint(1);
    for u in usages {
        w.write_tdfint(u.bits().into());
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_order() {
        assert_eq!(Usage::NONE.to_string(), "{}");
        let all = Usage::USED | Usage::DECD | Usage::DEFD | Usage::MULT;
        assert_eq!(all.to_string(), "{DEFD, MULT, DECD, USED}");
        assert_eq!((Usage::USED | Usage::DEFD).to_string(), "{DEFD, USED}");
    }

    #[test]
    fn validation() {
        assert_eq!(check_usage(b"tag", 16), Err(UsageError::BadUsage));
        assert_eq!(
            check_usage(b"token", 8 | 2),
            Err(UsageError::IllegallyMultiplyDefined)
        );
        assert_eq!(
            check_usage(b"tag", 4),
            Err(UsageError::DefinedButNotDeclared)
        );
        assert_eq!(
            check_usage(b"tag", 8),
            Err(UsageError::DefinedButNotDeclared)
        );
        assert!(check_usage(b"tag", 7).is_ok());
        assert!(check_usage(b"token", 4).is_ok());
        assert!(check_usage(b"alignment", 8).is_ok());
    }

    #[test]
    fn merge_rules() {
        let (mut acc, mut def) = (Usage::NONE, None);
        assert_eq!(merge_usage(&mut acc, &mut def, Usage::MULT, 0), Merge::Ok);
        assert_eq!(def, Some(0));
        // A second non-unique definition: no single definition any more.
        assert_eq!(merge_usage(&mut acc, &mut def, Usage::MULT, 1), Merge::Ok);
        assert_eq!(def, None);
        // A unique one takes over.
        assert_eq!(merge_usage(&mut acc, &mut def, Usage::DEFD, 2), Merge::Ok);
        assert_eq!(def, Some(2));
        // A second unique one is an error naming the first.
        assert_eq!(
            merge_usage(&mut acc, &mut def, Usage::DEFD, 3),
            Merge::MultiplyDefined(Some(2))
        );
        assert_eq!(def, Some(2));
        // MULT after DEFD keeps the unique definition.
        let (mut acc, mut def) = (Usage::NONE, None);
        merge_usage(&mut acc, &mut def, Usage::DEFD, 0);
        merge_usage(&mut acc, &mut def, Usage::MULT, 1);
        assert_eq!(def, Some(0));
    }

    #[test]
    fn tld_body() {
        // §2.7: format 1, usage 7 → 9F.
        assert_eq!(write_tld_body([Usage(7)]), [0x9F]);
        // 12 = DEFD|MULT takes two nibbles: 9 1C → 91 C0
        assert_eq!(write_tld_body([Usage(12)]), [0x91, 0xC0]);
        assert_eq!(write_tld_body([]), [0x90]);
    }
}
