-- Live view: viewer sessions (who watches which generation of a target, who holds control) and
-- handoffs (an agent asks a human to take over a browser session, the human hands it back).

CREATE TABLE viewer_sessions (
  target       VARCHAR(40) NOT NULL,
  viewer_id    VARCHAR(64) NOT NULL,
  generation   BIGINT      NOT NULL,
  control      SMALLINT    NOT NULL,
  scope        VARCHAR(16) NOT NULL,
  created_at   BIGINT      NOT NULL,
  last_seen_at BIGINT      NOT NULL,
  PRIMARY KEY (target, viewer_id)
);
CREATE INDEX viewer_sessions_control ON viewer_sessions (target, control);

CREATE TABLE handoffs (
  id            VARCHAR(40) PRIMARY KEY,
  browser_id    VARCHAR(40) NOT NULL,
  state         VARCHAR(16) NOT NULL,
  reason        TEXT        NOT NULL,
  taken_by      VARCHAR(64),
  profile_saved SMALLINT    NOT NULL,
  detail        TEXT,
  created_at    BIGINT      NOT NULL,
  updated_at    BIGINT      NOT NULL,
  ended_at      BIGINT
);
CREATE INDEX handoffs_state ON handoffs (state, created_at);
CREATE INDEX handoffs_browser ON handoffs (browser_id, created_at);
