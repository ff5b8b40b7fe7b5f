//! Columns that hold a domain value by its stable name (a request's state, kind and priority, a
//! task's state) are read back typed. A name that no longer parses is a decode error, logged as a
//! database error, never a silent default that hides bad data.

use crate::domain::kinds::RequestKind;
use crate::domain::request::{Priority, RequestState};
use crate::domain::task::TaskState;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Postgres, Sqlite, Type};

/// How a column's text becomes the value.
trait Column: Sized {
    const WHAT: &'static str;
    fn read(s: &str) -> Option<Self>;
}

fn read<T: Column>(s: &str) -> Result<T, BoxDynError> {
    T::read(s).ok_or_else(|| {
        format!(
            "unknown {} {:?} in the database",
            T::WHAT,
            s.chars().take(40).collect::<String>()
        )
        .into()
    })
}

macro_rules! text_column {
    ($($ty:ty => $what:literal, $read:expr;)+) => {$(
        impl Column for $ty {
            const WHAT: &'static str = $what;
            fn read(s: &str) -> Option<Self> {
                ($read)(s)
            }
        }
        impl Type<Sqlite> for $ty {
            fn type_info() -> SqliteTypeInfo {
                <String as Type<Sqlite>>::type_info()
            }
            fn compatible(ty: &SqliteTypeInfo) -> bool {
                <String as Type<Sqlite>>::compatible(ty)
            }
        }
        impl Type<Postgres> for $ty {
            fn type_info() -> PgTypeInfo {
                <String as Type<Postgres>>::type_info()
            }
            fn compatible(ty: &PgTypeInfo) -> bool {
                <String as Type<Postgres>>::compatible(ty)
            }
        }
        impl<'r> Decode<'r, Sqlite> for $ty {
            fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
                read(<&str as Decode<Sqlite>>::decode(value)?)
            }
        }
        impl<'r> Decode<'r, Postgres> for $ty {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                read(<&str as Decode<Postgres>>::decode(value)?)
            }
        }
    )+};
}

text_column! {
    RequestState => "request state", |s: &str| s.parse().ok();
    RequestKind => "request kind", |s: &str| s.parse().ok();
    Priority => "priority", |s: &str| s.parse().ok();
    TaskState => "task state", TaskState::parse;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_strangers_are_refused() {
        assert_eq!(
            read::<RequestState>("in-progress").unwrap(),
            RequestState::InProgress
        );
        assert_eq!(
            read::<RequestKind>("role-change").unwrap(),
            RequestKind::RoleChange
        );
        assert_eq!(read::<Priority>("low").unwrap(), Priority::Low);
        assert_eq!(read::<TaskState>("open").unwrap(), TaskState::Open);
        let err = read::<Priority>("urgent").unwrap_err().to_string();
        assert_eq!(err, "unknown priority \"urgent\" in the database");
        assert!(read::<RequestKind>("").is_err());
    }
}
