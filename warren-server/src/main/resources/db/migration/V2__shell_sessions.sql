-- Shell sessions and their commands. The files in the sandbox are the truth about a command
-- (its output and exit code); these rows are what the API lists and what a restarted controller
-- reconciles with those files.

CREATE TABLE shell_sessions (
  id           VARCHAR(40) PRIMARY KEY,
  sandbox_id   VARCHAR(40) NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
  generation   BIGINT      NOT NULL,
  state        VARCHAR(16) NOT NULL,
  state_reason TEXT,
  pid          BIGINT,
  env          TEXT        NOT NULL,
  cwd          TEXT,
  created_at   BIGINT      NOT NULL,
  ended_at     BIGINT
);
CREATE INDEX shell_sessions_sandbox ON shell_sessions (sandbox_id);

CREATE TABLE shell_commands (
  id              VARCHAR(40) PRIMARY KEY,
  session_id      VARCHAR(40) NOT NULL REFERENCES shell_sessions (id) ON DELETE CASCADE,
  sandbox_id      VARCHAR(40) NOT NULL,
  seq             BIGINT      NOT NULL,
  command         TEXT        NOT NULL,
  state           VARCHAR(16) NOT NULL,
  exit_code       INTEGER,
  stdin_mode      VARCHAR(8)  NOT NULL,
  timeout_ms      BIGINT,
  submitted_at    BIGINT      NOT NULL,
  started_at      BIGINT,
  ended_at        BIGINT,
  stdout_bytes    BIGINT,
  stderr_bytes    BIGINT,
  shell_restarted SMALLINT    NOT NULL,
  timed_out       SMALLINT    NOT NULL,
  signal          VARCHAR(8),
  reason          TEXT
);
CREATE INDEX shell_commands_session ON shell_commands (session_id, seq);
CREATE INDEX shell_commands_state ON shell_commands (state);
