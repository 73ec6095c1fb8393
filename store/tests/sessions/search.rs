//! Full-text search: phrases, snippets with marked matches, titles, filters, odd queries.

use spaces_store::sessions::{MATCH_END, MATCH_START};
use spaces_store::{Agent, SessionFilter};

use super::indexed_home;

#[test]
fn a_phrase_is_found_with_a_marked_snippet() {
    let (_home, database, _) = indexed_home();
    let hits = database
        .search_sessions("\"token bucket\"", &SessionFilter::default(), 10)
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].session.agent, Agent::Codex);
    assert!(!hits[0].in_title);
    let marked = format!("{MATCH_START}token bucket{MATCH_END}");
    assert!(hits[0].snippet.contains(&marked), "{:?}", hits[0].snippet);
}

#[test]
fn titles_match_first_and_each_session_is_listed_once() {
    let (_home, database, _) = indexed_home();
    let hits = database
        .search_sessions("healthz", &SessionFilter::default(), 20)
        .expect("search");
    assert!(hits[0].in_title, "{hits:#?}");
    assert!(
        hits[0]
            .snippet
            .contains(&format!("{MATCH_START}healthz{MATCH_END}"))
    );
    let mut keys: Vec<_> = hits
        .iter()
        .map(|h| (h.session.agent, h.session.id.clone()))
        .collect();
    let count = keys.len();
    keys.dedup();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), count, "one hit per session");
    let claude_only = SessionFilter {
        agent: Some(Agent::Gemini),
        ..SessionFilter::default()
    };
    let hits = database
        .search_sessions("healthz", &claude_only, 20)
        .expect("search");
    assert!(!hits.is_empty() && hits.iter().all(|h| h.session.agent == Agent::Gemini));
}

#[test]
fn a_sub_agent_match_leads_to_its_parent() {
    let (_home, database, _) = indexed_home();
    let hits = database
        .search_sessions("pings table", &SessionFilter::default(), 5)
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].session.id, "3f1c2a9e-6b7d-4e21-9a0c-5d8e7f6a1b2c");
    let with_children = SessionFilter {
        include_subagents: true,
        ..SessionFilter::default()
    };
    let hits = database
        .search_sessions("pings table", &with_children, 5)
        .expect("search");
    assert_eq!(hits[0].session.id, "agent-e5f6a7b8");
}

#[test]
fn query_syntax_typed_by_a_user_is_just_text() {
    let (_home, database, _) = indexed_home();
    for query in ["AND (", "\"", "NEAR(a b)", "col:umn", "*", "-x"] {
        database
            .search_sessions(query, &SessionFilter::default(), 5)
            .expect(query);
    }
    assert!(
        database
            .search_sessions("   ", &SessionFilter::default(), 5)
            .expect("blank")
            .is_empty()
    );
    let prefix = database
        .search_sessions("websock", &SessionFilter::default(), 5)
        .expect("prefix");
    assert_eq!(prefix.len(), 1, "the last word matches as a prefix");
}

#[test]
fn tool_output_is_not_searched() {
    let (_home, database, _) = indexed_home();
    let hits = database
        .search_sessions("\"has been updated\"", &SessionFilter::default(), 5)
        .expect("search");
    assert!(hits.is_empty());
}
