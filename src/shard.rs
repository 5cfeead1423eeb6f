//! Splitting one corpus over many machines: shard `K` of `N` takes the files whose relative
//! path hashes (BLAKE3) to `K` modulo `N`.
//!
//! Path hashing is stable across machines and runs, needs no coordination and no reading of
//! file contents, and a file keeps its shard from night to night (so each shard's incremental
//! cache stays useful). The price: byte-identical copies under different paths may land in
//! different shards, where neither shard can mark the other as duplicate (see
//! `docs/at-scale.md`). `K` is 0-based, like Kubernetes' `JOB_COMPLETION_INDEX` and the usual
//! `SLURM_ARRAY_TASK_ID` of `--array=0-(N-1)`.

/// Environment variables a shard index is taken from when `--shard-index` is not given,
/// in this order.
pub const INDEX_ENV_VARS: &[&str] = &["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"];

/// Which part of the corpus this process handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index, `< count`.
    pub index: u32,
    /// Number of shards, at least 1.
    pub count: u32,
}

impl Default for Shard {
    fn default() -> Shard {
        Shard::ALL
    }
}

/// Why shard options are invalid.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
    /// Zero shards.
    #[error("--shards must be at least 1")]
    ZeroShards,
    /// More than one shard but no index anywhere.
    #[error(
        "which of the {0} shards is not given: use --shard K/{0} (K 0-based) or set JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID"
    )]
    NoIndex(u32),
    /// Index out of range.
    #[error("shard index {index} is out of range for {count} shards (0-based: 0..={max})", max = count - 1)]
    OutOfRange {
        /// The index.
        index: u32,
        /// The shard count.
        count: u32,
    },
    /// An environment variable that is not a number.
    #[error("{var}={value} is not a shard index")]
    BadEnv {
        /// The variable.
        var: String,
        /// Its value.
        value: String,
    },
}

impl Shard {
    /// The whole corpus.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`, checked.
    pub fn new(index: u32, count: u32) -> Result<Shard, ShardError> {
        if count == 0 {
            return Err(ShardError::ZeroShards);
        }
        if index >= count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// Resolves the command line: `count` shards, the index from `index` or else from the
    /// first of [`INDEX_ENV_VARS`] that is set (looked up with `env`).
    pub fn resolve(
        count: Option<u32>,
        index: Option<u32>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Shard, ShardError> {
        let count = count.unwrap_or(1);
        if count == 0 {
            return Err(ShardError::ZeroShards);
        }
        if count == 1 && index.unwrap_or(0) == 0 {
            return Shard::new(0, count);
        }
        let index = match index {
            Some(i) => i,
            None => env_index(&env)?.ok_or(ShardError::NoIndex(count))?,
        };
        Shard::new(index, count)
    }

    /// True when the file at this relative path belongs to the shard.
    pub fn contains(&self, rel_path: &str) -> bool {
        self.count <= 1 || path_bucket(rel_path, self.count) == self.index
    }

    /// File-name suffix: empty for the whole corpus, `-K-of-N` otherwise.
    pub fn suffix(&self) -> String {
        if self.count <= 1 {
            String::new()
        } else {
            format!("-{}-of-{}", self.index, self.count)
        }
    }

    /// The shard a [`Shard::suffix`] names (`-K-of-N`, N > 1); `None` for anything else.
    pub fn from_suffix(suffix: &str) -> Option<Shard> {
        let (k, n) = suffix.strip_prefix('-')?.split_once("-of-")?;
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !(digits(k) && digits(n)) {
            return None;
        }
        let shard = Shard::new(k.parse().ok()?, n.parse().ok()?).ok()?;
        (shard.count > 1).then_some(shard)
    }
}

fn env_index(env: &impl Fn(&str) -> Option<String>) -> Result<Option<u32>, ShardError> {
    for var in INDEX_ENV_VARS {
        if let Some(value) = env(var) {
            return value
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ShardError::BadEnv {
                    var: var.to_string(),
                    value: value.clone(),
                });
        }
    }
    Ok(None)
}

/// The shard (of `count`) a relative path falls in: BLAKE3 of the path, first 8 bytes as a
/// little-endian integer, modulo `count`.
pub fn path_bucket(rel_path: &str, count: u32) -> u32 {
    let h = blake3::hash(rel_path.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&h.as_bytes()[..8]);
    (u64::from_le_bytes(first) % u64::from(count.max(1))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_name_their_shard() {
        for (k, n) in [(0, 2), (3, 8), (99, 100)] {
            let shard = Shard::new(k, n).unwrap();
            assert_eq!(Shard::from_suffix(&shard.suffix()), Some(shard));
        }
        for bad in [
            "",
            "-0-of-1",
            "-4-of-4",
            "-a-of-4",
            "-0-of-",
            "0-of-4",
            "-0-of-4-of-5",
        ] {
            assert_eq!(Shard::from_suffix(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_path_in_exactly_one_shard() {
        let paths: Vec<String> = (0..1000).map(|i| format!("site/col/{i}.txt")).collect();
        let mut sizes = [0usize; 4];
        for p in &paths {
            let owners: Vec<u32> = (0..4)
                .filter(|&k| Shard::new(k, 4).unwrap().contains(p))
                .collect();
            assert_eq!(owners.len(), 1);
            sizes[owners[0] as usize] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 180), "{sizes:?}");
        assert!(Shard::ALL.contains("anything"));
        assert_eq!(path_bucket("a/b.txt", 7), path_bucket("a/b.txt", 7));
    }

    #[test]
    fn index_from_flag_or_environment() {
        let none = |_: &str| None;
        assert_eq!(Shard::resolve(None, None, none), Ok(Shard::ALL));
        assert_eq!(
            Shard::resolve(Some(4), Some(2), none),
            Ok(Shard { index: 2, count: 4 })
        );
        assert_eq!(
            Shard::resolve(Some(4), None, none),
            Err(ShardError::NoIndex(4))
        );
        let k8s = |v: &str| (v == "JOB_COMPLETION_INDEX").then(|| "3".to_string());
        assert_eq!(
            Shard::resolve(Some(4), None, k8s),
            Ok(Shard { index: 3, count: 4 })
        );
        let slurm = |v: &str| (v == "SLURM_ARRAY_TASK_ID").then(|| "1".to_string());
        assert_eq!(
            Shard::resolve(Some(2), None, slurm).unwrap().suffix(),
            "-1-of-2"
        );
        assert!(matches!(
            Shard::resolve(Some(4), Some(4), none),
            Err(ShardError::OutOfRange { .. })
        ));
        assert_eq!(
            Shard::resolve(Some(0), None, none),
            Err(ShardError::ZeroShards)
        );
        let bad = |_: &str| Some("x".to_string());
        assert!(matches!(
            Shard::resolve(Some(2), None, bad),
            Err(ShardError::BadEnv { .. })
        ));
    }
}
