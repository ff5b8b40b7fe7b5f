//! The words and people of generated data: a helpdesk's own vocabulary drawn by Zipf's law (a
//! few words in most requests, most words in few, as in real tickets), names, departments and
//! the sentences requests and replies are made of. Deterministic: the same seed, the same data.
//!
//! Longer than 600 lines: most of it is the vocabulary itself, one word per line.

/// A small deterministic generator (SplitMix64): demo data only, never secrets.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An item by weight.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u64)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut n = self.below(total);
        for (item, w) in items {
            if n < *w {
                return item;
            }
            n -= w;
        }
        &items[0].0
    }
}

/// The helpdesk's words, most frequent first: rank `r` is drawn with weight `1/r`.
pub const VOCABULARY: &[&str] = &[
    "access",
    "laptop",
    "password",
    "account",
    "error",
    "okta",
    "slack",
    "vpn",
    "email",
    "update",
    "install",
    "zoom",
    "login",
    "admin",
    "permission",
    "google",
    "drive",
    "calendar",
    "meeting",
    "screen",
    "network",
    "wifi",
    "printer",
    "browser",
    "chrome",
    "certificate",
    "license",
    "group",
    "project",
    "repository",
    "gitlab",
    "salesforce",
    "aws",
    "role",
    "manager",
    "approval",
    "onboarding",
    "offboarding",
    "contractor",
    "device",
    "phone",
    "keyboard",
    "monitor",
    "dock",
    "charger",
    "battery",
    "backup",
    "sync",
    "folder",
    "shared",
    "document",
    "spreadsheet",
    "invite",
    "token",
    "yubikey",
    "mfa",
    "authenticator",
    "reset",
    "locked",
    "expired",
    "sso",
    "saml",
    "workspace",
    "channel",
    "notification",
    "outlook",
    "mailbox",
    "alias",
    "distribution",
    "jamf",
    "macos",
    "windows",
    "linux",
    "ubuntu",
    "driver",
    "firmware",
    "bluetooth",
    "headset",
    "camera",
    "microphone",
    "audio",
    "video",
    "recording",
    "webinar",
    "figma",
    "looker",
    "zendesk",
    "netsuite",
    "workday",
    "greenhouse",
    "1password",
    "vault",
    "secret",
    "key",
    "ssh",
    "gpg",
    "signing",
    "commit",
    "pipeline",
    "runner",
    "cluster",
    "kubernetes",
    "gcp",
    "bucket",
    "iam",
    "policy",
    "billing",
    "invoice",
    "budget",
    "purchase",
    "procurement",
    "vendor",
    "renewal",
    "seat",
    "quota",
    "storage",
    "disk",
    "memory",
    "slow",
    "freeze",
    "crash",
    "restart",
    "reboot",
    "kernel",
    "filevault",
    "encryption",
    "compliance",
    "audit",
    "review",
    "quarterly",
    "sox",
    "soc2",
    "iso",
    "evidence",
    "export",
    "import",
    "report",
    "dashboard",
    "analytics",
    "query",
    "database",
    "replica",
    "snowflake",
    "dbt",
    "airflow",
    "tableau",
    "sheet",
    "form",
    "survey",
    "training",
    "course",
    "certification",
    "badge",
    "office",
    "desk",
    "shipping",
    "courier",
    "customs",
    "address",
    "return",
    "repair",
    "warranty",
    "hinge",
    "trackpad",
    "touchbar",
    "fan",
    "overheating",
    "sticker",
    "inventory",
    "asset",
    "serial",
    "tag",
    "lost",
    "stolen",
    "theft",
    "phishing",
    "suspicious",
    "link",
    "attachment",
    "spam",
    "quarantine",
    "malware",
    "antivirus",
    "crowdstrike",
    "endpoint",
    "scan",
    "vulnerability",
    "patch",
    "cve",
    "exception",
    "firewall",
    "proxy",
    "dns",
    "domain",
    "subdomain",
    "redirect",
    "tls",
    "expiry",
    "rotation",
    "credential",
    "apikey",
    "webhook",
    "integration",
    "oauth",
    "scope",
    "consent",
    "app",
    "marketplace",
    "extension",
    "plugin",
    "addon",
    "terminal",
    "homebrew",
    "xcode",
    "docker",
    "virtualbox",
    "vm",
    "sandbox",
    "staging",
    "production",
    "deploy",
    "rollback",
    "incident",
    "outage",
    "degraded",
    "latency",
    "timeout",
    "retry",
    "queue",
    "ticket",
    "escalation",
    "sla",
    "priority",
    "urgent",
    "blocked",
    "waiting",
    "travel",
    "conference",
    "timezone",
    "holiday",
    "leave",
    "parental",
    "return-to-work",
    "transfer",
    "promotion",
    "team",
    "department",
    "reorg",
    "headcount",
    "requisition",
    "intern",
    "apprentice",
    "agency",
    "freelancer",
    "partner",
    "customer",
    "demo",
    "trial",
    "sandbox-org",
    "entitlement",
    "provisioning",
    "deprovisioning",
    "scim",
    "directory",
    "ldap",
    "kerberos",
    "radius",
    "eduroam",
    "guest",
    "visitor",
    "lobby",
    "floor",
    "meeting-room",
    "projector",
    "hdmi",
    "usb-c",
    "adapter",
    "dongle",
    "hub",
    "ethernet",
    "cable",
    "router",
    "hotspot",
    "roaming",
    "esim",
    "sim",
    "mobile",
    "ios",
    "android",
    "mdm",
    "enrolment",
    "wipe",
    "retire",
    "refresh",
    "upgrade",
    "downgrade",
    "macbook",
    "thinkpad",
    "dell",
    "lenovo",
    "apple",
    "m3",
    "ram",
    "ssd",
    "keychain",
    "profile",
    "preference",
    "setting",
    "language",
    "locale",
    "font",
    "accessibility",
    "screen-reader",
    "magnifier",
    "dictation",
    "ergonomic",
    "chair",
    "standing",
    "mouse",
    "trackball",
    "stylus",
    "tablet",
    "ipad",
    "whiteboard",
    "miro",
    "lucid",
    "notion",
    "confluence",
    "jira",
    "asana",
    "trello",
    "box",
    "dropbox",
    "onedrive",
    "sharepoint",
    "teams",
    "webex",
    "gotomeeting",
    "calendly",
    "docusign",
    "adobe",
    "acrobat",
    "photoshop",
    "illustrator",
    "sketch",
    "invision",
    "postman",
    "insomnia",
    "datadog",
    "pagerduty",
    "sentry",
    "grafana",
    "prometheus",
    "elastic",
    "kibana",
    "splunk",
];

/// Draws vocabulary ranks by Zipf's law with exponent 1.
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize) -> Self {
        let mut sum = 0.0;
        let cumulative = (1..=n)
            .map(|r| {
                sum += 1.0 / r as f64;
                sum
            })
            .collect();
        Zipf { cumulative }
    }

    pub fn rank(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        self.cumulative
            .partition_point(|c| *c < x)
            .min(self.cumulative.len() - 1)
    }

    pub fn word(&self, rng: &mut Rng) -> &'static str {
        VOCABULARY[self.rank(rng)]
    }
}

/// Fills each `{}` of `template` with a word drawn from `zipf`.
pub fn fill(template: &str, zipf: &Zipf, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut parts = template.split("{}");
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        out.push_str(zipf.word(rng));
        out.push_str(part);
    }
    out
}

/// Sentences of a description, each with words left to draw.
pub const DESCRIBE: &[&str] = &[
    "Since this morning {} shows an error about {} when I open {}.",
    "I need {} for the {} project, my manager already agreed.",
    "It started after the {} update, and restarting did not help.",
    "The {} on my {} keeps asking for my {} again and again.",
    "Colleagues in my team see the same {} problem with {}.",
    "I tried the guide on {} but the {} step fails with a {} message.",
    "This blocks a customer {} tomorrow, so it is fairly urgent.",
    "My {} was replaced last month and {} has not worked since.",
    "Could you also check the {} and {} settings while you are at it?",
    "Screenshot of the {} error attached; it mentions {} and {}.",
    "I am travelling next week and need {} working before then.",
    "The {} group should include me, I moved to the {} team.",
    "Nothing changed on my side except installing {} and {}.",
    "When I connect to {} the {} drops after a few minutes.",
];

/// Replies by the helpdesk, public to the requester.
pub const REPLIES: &[&str] = &[
    "Thanks for the details. Could you try signing out of {} and back in, then tell us if the {} error remains?",
    "I have added you to the {} group; it can take up to an hour to reach {}.",
    "This is a known issue with {} after the {} update. The fix rolls out this week.",
    "Please restart your {} and check the {} again. If it still fails, send a screenshot.",
    "Your {} request is approved and provisioning has started.",
    "We reset your {}. You will get an e-mail with the next steps for {}.",
    "Could you tell us which {} and {} version you are on?",
];

/// Answers from the requester.
pub const ANSWERS: &[&str] = &[
    "Still the same after a restart, the {} message is back.",
    "That worked, thank you! {} is fine now.",
    "I am on the latest {} and {}.",
    "Attached the screenshot of the {} screen.",
    "My manager approved it in {} already.",
];

/// Internal notes between analysts: staff only.
pub const NOTES: &[&str] = &[
    "Checked the {} logs: the {} token expired on the 3rd.",
    "Escalating to the {} owners, this needs {} admin rights.",
    "Same root cause as last week's {} tickets, see the {} runbook.",
    "Waiting for {} to confirm the {} licence count before assigning.",
    "Requester is in {}; mind the timezone when calling.",
];

pub const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Gita", "Hugo", "Ines", "Jonas", "Kemal", "Lena",
    "Marek", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wei",
    "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Dmitri", "Esther", "Farah", "Goran",
    "Hana", "Ivo", "Jade", "Kofi", "Luca", "Maya", "Nils", "Olga", "Pablo", "Rhea", "Sofia",
    "Tomás", "Uma", "Viktor", "Wanda", "Yara", "Zeno",
];

pub const LAST_NAMES: &[&str] = &[
    "Abara",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "López",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Wagner",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Andersen",
    "Brown",
    "Chen",
    "Diaz",
    "Evans",
    "Fernandes",
    "Gupta",
    "Hughes",
    "Ivanova",
    "Jones",
    "Kim",
    "Larsen",
    "Martin",
    "Novak",
    "O'Brien",
    "Park",
    "Reyes",
    "Singh",
    "Thompson",
    "Ueda",
    "Vogel",
    "Walsh",
    "Young",
    "Zimmermann",
];

/// Departments and how many of the people work in each.
pub const DEPARTMENTS: &[(&str, u64)] = &[
    ("Engineering", 30),
    ("Sales", 18),
    ("Support", 10),
    ("Marketing", 8),
    ("Product", 7),
    ("Finance", 6),
    ("People", 5),
    ("Legal", 3),
    ("Data", 5),
    ("Security", 3),
    ("IT", 2),
    ("Operations", 3),
];

/// The analysts' regions, with the UTC shift each region's support covers on weekdays.
pub const REGIONS: &[(&str, i32, i32)] = &[
    ("emea", 6 * 60, 14 * 60),
    ("amer", 14 * 60, 22 * 60),
    ("japac", 0, 6 * 60),
];

/// A person's name from the `i`-th draw: varied, and the same for the same `i`.
pub fn name(rng: &mut Rng) -> (String, String) {
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    (first.to_string(), last.to_string())
}

/// The ASCII handle part of a name: lower-case letters only.
pub fn handle_part(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'á' | 'à' => Some('a'),
            'é' => Some('e'),
            'í' => Some('i'),
            'ó' => Some('o'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_draws_the_first_words_most_and_every_word_sometimes() {
        let zipf = Zipf::new(VOCABULARY.len());
        let mut rng = Rng(7);
        let mut seen = vec![0u32; VOCABULARY.len()];
        for _ in 0..200_000 {
            seen[zipf.rank(&mut rng)] += 1;
        }
        // Rank 1 about twice rank 2 and ten times rank 10, as 1/r says (within sampling noise).
        let ratio = |a: usize, b: usize| seen[a] as f64 / seen[b] as f64;
        assert!((1.8..2.2).contains(&ratio(0, 1)), "{}", ratio(0, 1));
        assert!((8.5..11.5).contains(&ratio(0, 9)), "{}", ratio(0, 9));
        assert!(seen.iter().all(|n| *n > 0), "some word never drawn");
    }

    #[test]
    fn templates_are_filled_with_words_and_nothing_is_left_open() {
        let zipf = Zipf::new(VOCABULARY.len());
        let mut rng = Rng(1);
        let s = fill("a {} b {}.", &zipf, &mut rng);
        assert!(!s.contains("{}"));
        assert!(s.starts_with("a ") && s.ends_with('.'));
        assert_eq!(s.split(' ').count(), 4);
    }

    #[test]
    fn handles_are_plain_ascii() {
        assert_eq!(handle_part("García"), "garcia");
        assert_eq!(handle_part("O'Brien"), "obrien");
        assert_eq!(handle_part("Tomás"), "tomas");
    }
}
