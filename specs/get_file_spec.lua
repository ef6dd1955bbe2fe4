-- ember.utils.get_file and the datasets' download fallback, against a local
-- HTTP server on 127.0.0.1 (specs/support/http_server.py, started here; it
-- picks its own port and counts the requests it serves).  Skipped (pending)
-- without python3.  Never touches the network nor ~/.ember: every cache is a
-- temp folder.
local utils = ember.utils
local net = ember.core.net

local function sh(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function run(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"exit=$?\"")
  local out = p:read("a")
  p:close()
  return tonumber(out:match("exit=(%d+)%s*$")), out
end

local made = {}  -- every temp folder, removed by remove_made()
local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p " .. sh(d)))
  made[#made + 1] = d
  return d
end
local function remove_made()
  for _, d in ipairs(made) do os.execute("rm -rf " .. sh(d)) end
  made = {}
end

local function write(path, bytes)
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function exists(path) return ember.fs.exists(path) end

local function listing(dir)
  local _, out = run("ls -A " .. sh(dir))
  return (out:gsub("exit=%d+%s*$", ""))
end

local HAVE_PYTHON = os.execute("command -v python3 >/dev/null 2>&1") == true
local ROOT = os.getenv("PWD") or "."
-- The interpreter running the specs (./ember or ./ember-debug), for the
-- child processes, which run in other folders.
local EMBER = arg and arg[-1] or "./ember"
if EMBER:sub(1, 1) ~= "/" then EMBER = ROOT .. "/" .. EMBER:gsub("^%./", "") end

-- Bytes that are not text, deterministic: 200,000 of them.
local function blob(n, seed)
  local t, x = {}, seed or 12345
  for i = 1, n do
    x = (x * 1103515245 + 12345) % 2147483648
    t[i] = string.char(x >> 16 & 255)
  end
  return table.concat(t)
end

-- The server: files under `root`, port read from the file it writes.
local server = {}
function server.start(root)
  local portfile = root .. "/.port"
  local pidfile = root .. "/.pid"
  assert(os.execute(("python3 %s/specs/support/http_server.py %s %s >/dev/null 2>&1 & echo $! > %s")
    :format(sh(ROOT), sh(root), sh(portfile), sh(pidfile))))
  for _ = 1, 200 do
    local p = read(portfile)
    if p and tonumber(p) then
      server.port, server.pid = tonumber(p), tonumber(read(pidfile))
      return
    end
    os.execute("sleep 0.05")
  end
  error("the spec's HTTP server did not start")
end
function server.stop()
  if server.pid then os.execute("kill " .. server.pid .. " 2>/dev/null") end
  server.pid = nil
end
function server.url(mode, name) return ("http://127.0.0.1:%d/%s/%s"):format(server.port, mode, name) end
function server.get(what, name)
  local _, out = run(("curl -s %s"):format(sh(server.url(what, name))))
  return (out:gsub("exit=%d+%s*$", ""))
end
-- A port nothing listens on: bound and released by python3 (so it is free).
local function closed_port()
  local _, out = run([[python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()']])
  return tonumber(out:match("^(%d+)"))
end

-- An archive made by python3's tarfile from {name, bytes[, kind]} members
-- (kind "symlink": bytes is the link target).
local function make_tar(path, members)
  local script = path .. ".py"
  local lines = { "import io, sys, tarfile", ("t = tarfile.open(%q, 'w:gz')"):format(path) }
  for _, m in ipairs(members) do
    if m[3] == "symlink" then
      lines[#lines + 1] = ("i = tarfile.TarInfo(%q); i.type = tarfile.SYMTYPE; i.linkname = %q; t.addfile(i)")
        :format(m[1], m[2])
    else
      local data = path .. "." .. #lines
      write(data, m[2])
      lines[#lines + 1] = ("d = open(%q, 'rb').read(); i = tarfile.TarInfo(%q); i.size = len(d); t.addfile(i, io.BytesIO(d))")
        :format(data, m[1])
    end
  end
  lines[#lines + 1] = "t.close()"
  write(script, table.concat(lines, "\n") .. "\n")
  local status, out = run("python3 " .. sh(script))
  assert(status == 0, out)
end

local BLOB = blob(200000)
local BLOB_SHA

describe("SHA-256 (libcrypto EVP)", function()
  -- FIPS 180-2's test vectors.
  it("matches the published test vectors", function()
    assert.equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", net.sha256(""))
    assert.equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", net.sha256("abc"))
    assert.equal("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
      net.sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
    assert.equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", net.sha256(("a"):rep(1000000)))
  end)

  it("hashes a file as its bytes, across the 1 MiB blocks", function()
    local d = tmpdir()
    local big = ("a"):rep(1000000) .. BLOB .. ("b"):rep(1 << 20)
    write(d .. "/f", big)
    assert.equal(net.sha256(big), net.sha256_file(d .. "/f"))
    assert.error_matches(function() net.sha256_file(d .. "/none") end, "cannot open '" .. d .. "/none'", 1, true)
    os.execute("rm -rf " .. sh(d))
  end)
end)

describe("ember.utils.get_file", function()
  local root, cache
  local it_py = HAVE_PYTHON and it or pending

  setup(function()
    BLOB_SHA = net.sha256(BLOB)
    if not HAVE_PYTHON then return end
    root = tmpdir()
    write(root .. "/blob.bin", BLOB)
    server.start(root)
  end)
  teardown(function()
    server.stop()
    remove_made()
  end)
  before_each(function() cache = tmpdir() end)
  after_each(function() os.execute("rm -rf " .. sh(cache)) end)

  local function count(name) return tonumber(server.get("count", name)) end

  it_py("downloads, verifies, renames into the cache, and never downloads a verified file again", function()
    write(root .. "/a.bin", BLOB)
    local path, dir = utils.get_file("a.bin", server.url("normal", "a.bin"), { sha256 = BLOB_SHA, cache_dir = cache })
    assert.equal(cache .. "/a.bin", path)
    assert.equal(cache, dir)
    assert.equal(BLOB, read(path))
    assert.equal("a.bin\n", listing(cache))  -- no .part left
    assert.equal(1, count("a.bin"))
    local again = utils.get_file("a.bin", server.url("normal", "a.bin"), { sha256 = BLOB_SHA:upper(), cache_dir = cache })
    assert.equal(path, again)
    assert.equal(1, count("a.bin"))  -- no second request
  end)

  it_py("uses $EMBER_HOME/datasets by default", function()
    local status, out = run(("cd %s && EMBER_HOME=%s %s -e %s"):format(sh(cache), sh(cache .. "/home"), sh(EMBER),
      sh(("print((ember.utils.get_file('blob.bin', %q)))"):format(server.url("normal", "blob.bin")))))
    assert.equal(0, status, out)
    assert.matches(cache .. "/home/datasets/blob.bin", out, 1, true)
    assert.equal(BLOB, read(cache .. "/home/datasets/blob.bin"))
  end)

  it_py("resumes a truncated transfer from the partial file (a Range request)", function()
    write(root .. "/t.bin", BLOB)
    local url = server.url("truncate", "t.bin")
    local ok, err = pcall(utils.get_file, "t.bin", url, { sha256 = BLOB_SHA, cache_dir = cache })
    assert.is_false(ok)
    assert.matches("get_file: cannot download " .. url, err, 1, true)
    assert.matches("the next call resumes", err, 1, true)
    assert.is_nil(read(cache .. "/t.bin"))  -- nothing half-written under the final name
    local part = read(cache .. "/t.bin.part")
    assert.equal(100000, #part)
    assert.equal(BLOB:sub(1, 100000), part)
    local path = utils.get_file("t.bin", url, { sha256 = BLOB_SHA, cache_dir = cache })
    assert.equal(BLOB, read(path))
    assert.equal("-\nbytes=100000-", server.get("ranges", "t.bin"))
    assert.equal("t.bin\n", listing(cache))
  end)

  it_py("gives up on a server that stops mid-way (timeout), keeps the part, resumes elsewhere", function()
    write(root .. "/s.bin", BLOB)
    local ok, err = pcall(utils.get_file, "s.bin", server.url("stall", "s.bin"), { cache_dir = cache, timeout = 1 })
    assert.is_false(ok)
    assert.matches("get_file: cannot download " .. server.url("stall", "s.bin"), err, 1, true)
    assert.is_nil(read(cache .. "/s.bin"))
    assert.equal(100000, #read(cache .. "/s.bin.part"))
    local path = utils.get_file("s.bin", server.url("normal", "s.bin"), { cache_dir = cache, sha256 = BLOB_SHA })
    assert.equal(BLOB, read(path))
    assert.equal("-\nbytes=100000-", server.get("ranges", "s.bin"))
  end)

  it_py("refuses a file whose SHA-256 differs: error naming the option, nothing in the cache", function()
    local wrong = ("0"):rep(64)
    local ok, err = pcall(utils.get_file, "blob.bin", server.url("normal", "blob.bin"), { sha256 = wrong, cache_dir = cache })
    assert.is_false(ok)
    assert.matches("get_file: 'blob.bin' from " .. server.url("normal", "blob.bin") .. " has SHA-256 " .. BLOB_SHA
      .. ", expected " .. wrong .. " (option 'sha256'); nothing was kept", err, 1, true)
    assert.matches("save it as " .. cache .. "/blob.bin", err, 1, true)
    assert.equal("", listing(cache))  -- neither the file nor the temp
  end)

  it_py("refuses a size that differs (option 'size')", function()
    local ok, err = pcall(utils.get_file, "blob.bin", server.url("normal", "blob.bin"), { size = 5, cache_dir = cache })
    assert.is_false(ok)
    assert.matches("has 200000 bytes, expected 5 (option 'size')", err, 1, true)
    assert.equal("", listing(cache))
  end)

  it_py("refuses an HTML page served with 200 instead of the file", function()
    local url = server.url("html", "blob.bin")
    local ok, err = pcall(utils.get_file, "blob.bin", url, { cache_dir = cache })
    assert.is_false(ok)
    assert.matches("get_file: " .. url .. " sent an HTML page (Content-Type 'text/html'), not the file 'blob.bin'", err, 1, true)
    assert.equal("", listing(cache))
  end)

  it_py("reports an HTTP error with the URL and where to put the file by hand", function()
    local url = server.url("missing", "blob.bin")
    local ok, err = pcall(utils.get_file, "blob.bin", url, { cache_dir = cache })
    assert.is_false(ok)
    assert.matches("get_file: cannot download " .. url .. ": the server answered HTTP 404", err, 1, true)
    assert.matches("To place the file by hand: download " .. url, err, 1, true)
    assert.matches("save it as " .. cache .. "/blob.bin", err, 1, true)
    assert.equal("", listing(cache))
  end)

  it_py("says what failed when the server is down (offline)", function()
    local port = closed_port()
    local url = ("http://127.0.0.1:%d/blob.bin"):format(port)
    local ok, err = pcall(utils.get_file, "blob.bin", url, { cache_dir = cache })
    assert.is_false(ok)
    assert.matches("get_file: cannot download " .. url .. ": ", err, 1, true)
    assert.matches("Couldn't connect to server", err, 1, true)
    assert.matches("save it as " .. cache .. "/blob.bin", err, 1, true)
    assert.equal("", listing(cache))
  end)

  it_py("downloads again a cached file that does not match its checksum, and replaces it", function()
    write(cache .. "/blob.bin", "stale")
    local before = count("blob.bin")
    local path = utils.get_file("blob.bin", server.url("normal", "blob.bin"), { sha256 = BLOB_SHA, cache_dir = cache })
    assert.equal(BLOB, read(path))
    assert.equal(before + 1, count("blob.bin"))
  end)

  it_py("keeps the cached file when the new download is refused", function()
    write(cache .. "/blob.bin", "stale")
    local ok = pcall(utils.get_file, "blob.bin", server.url("html", "blob.bin"), { sha256 = BLOB_SHA, cache_dir = cache })
    assert.is_false(ok)
    assert.equal("stale", read(cache .. "/blob.bin"))
    assert.equal("blob.bin\n", listing(cache))
  end)

  local it_flock = (HAVE_PYTHON and os.execute("command -v flock >/dev/null 2>&1") == true) and it or pending
  it_flock("refuses to append to a partial file another process is downloading into", function()
    write(cache .. "/blob.bin.part", "12345")
    assert(os.execute(("flock %s sleep 3 & sleep 0.3"):format(sh(cache .. "/blob.bin.part"))))
    local ok, err = pcall(utils.get_file, "blob.bin", server.url("normal", "blob.bin"), { cache_dir = cache })
    assert.is_false(ok)
    assert.matches("is being downloaded by another process", err, 1, true)
    assert.equal("12345", read(cache .. "/blob.bin.part"))
    assert.is_nil(read(cache .. "/blob.bin"))
  end)

  it_py("stops on Ctrl-C in the middle of a download; the part is kept", function()
    local script = cache .. "/dl.lua"
    write(script, ("local ok, err = pcall(ember.utils.get_file, 'slow.bin', %q, { cache_dir = %q })\n"
      .. "print('caught: ' .. tostring(err))\n"):format(server.url("slow", "blob.bin"), cache))
    local t0 = ember.clock()
    local status, out = run(("%s %s & p=$!; sleep 1; kill -INT $p; wait $p"):format(sh(EMBER), sh(script)))
    assert.equal(0, status, out)
    assert.matches("caught: interrupted!", out, 1, true)
    assert.is_true(ember.clock() - t0 < 4)  -- the whole file takes ~2.5 s at the slow pace
    local part = read(cache .. "/slow.bin.part")
    assert.is_truthy(part and #part > 0 and #part < #BLOB)
    assert.is_nil(read(cache .. "/slow.bin"))
  end)

  describe("extract", function()
    it_py("unpacks an archive once into the cache (atomically), then never again", function()
      make_tar(root .. "/ok.tar.gz", { { "top/a.txt", "alpha" }, { "top/sub/b.txt", "beta" } })
      local sha = net.sha256_file(root .. "/ok.tar.gz")
      local url = server.url("normal", "ok.tar.gz")
      local path, dir = utils.get_file("ok.tar.gz", url, { sha256 = sha, extract = true, cache_dir = cache })
      assert.equal(cache .. "/ok.tar.gz", path)
      assert.equal("alpha", read(dir .. "/top/a.txt"))
      assert.equal("beta", read(dir .. "/top/sub/b.txt"))
      assert.equal(".ok.tar.gz.extracted\nok.tar.gz\ntop\n", listing(cache))  -- no temp folder left
      write(dir .. "/top/a.txt", "edited")
      utils.get_file("ok.tar.gz", url, { sha256 = sha, extract = true, cache_dir = cache })
      assert.equal("edited", read(dir .. "/top/a.txt"))  -- not extracted again
      assert.equal(1, count("ok.tar.gz"))
    end)

    local hostile = {
      { "a '..' member", { { "top/a.txt", "fine" }, { "../x", "escaped" } }, "member '../x' would be written outside" },
      { "a '..' inside a path", { { "top/../../x", "escaped" } }, "member 'top/../../x' would be written outside" },
      { "an absolute member", { { "/tmp/ember_get_file_abs", "escaped" } }, "would be written outside" },
      { "a symlink member", { { "top/link", "/etc", "symlink" }, { "top/link/passwd", "x" } }, "member 'top/link' is a link" },
    }
    for i, case in ipairs(hostile) do
      it_py("refuses an archive with " .. case[1] .. ", extracting nothing", function()
        local name = ("bad%d.tar.gz"):format(i)
        make_tar(root .. "/" .. name, case[2])
        local ok, err = pcall(utils.get_file, name, server.url("normal", name), { extract = true, cache_dir = cache })
        assert.is_false(ok)
        assert.matches("get_file: refusing '" .. cache .. "/" .. name .. "'", err, 1, true)
        assert.matches(case[3], err, 1, true)
        assert.equal(name .. "\n", listing(cache))  -- the archive, nothing unpacked, no temp folder
        assert.is_false(exists(cache .. "/../x"))
        assert.is_nil(read("/tmp/ember_get_file_abs"))
      end)
    end

    it_py("refuses a damaged archive", function()
      write(root .. "/broken.tar.gz", "\31\139\8\0garbage")
      local ok, err = pcall(utils.get_file, "broken.tar.gz", server.url("normal", "broken.tar.gz"),
        { extract = true, cache_dir = cache })
      assert.is_false(ok)
      assert.matches("get_file: cannot read '" .. cache .. "/broken.tar.gz' as an archive: ", err, 1, true)
      assert.equal("broken.tar.gz\n", listing(cache))
    end)
  end)

  describe("refuses bad arguments, naming the function and the argument", function()
    local U = "http://127.0.0.1:9/x"
    local cases = {
      { function() utils.get_file(nil, U) end, "get_file: argument 'name' expected a string, got nil" },
      { function() utils.get_file("a/b", U) end, "get_file: argument 'name' expected a plain file name" },
      { function() utils.get_file("..", U) end, "get_file: argument 'name' expected a plain file name" },
      { function() utils.get_file("", U) end, "get_file: argument 'name' expected a plain file name" },
      { function() utils.get_file("x", nil) end, "get_file: argument 'url' expected a string, got nil" },
      { function() utils.get_file("x", "ftp://host/x") end, "get_file: argument 'url' expected an http://, https:// or file:/// address" },
      { function() utils.get_file("x", "http://h/a b") end, "get_file: argument 'url' expected an http://" },
      { function() utils.get_file("x", U, 3) end, "get_file: argument 'options' expected a table, got 3" },
      { function() utils.get_file("x", U, { hash = "x" }) end, "get_file: unknown option 'hash' (valid: cache_dir, extract, progress, sha256, size, timeout)" },
      { function() utils.get_file("x", U, { sha256 = "abc" }) end, "get_file: option 'sha256' expected 64 hexadecimal digits" },
      { function() utils.get_file("x", U, { sha256 = ("g"):rep(64) }) end, "get_file: option 'sha256' expected 64 hexadecimal digits" },
      { function() utils.get_file("x", U, { extract = "yes" }) end, "get_file: option 'extract' expected a boolean" },
      { function() utils.get_file("x", U, { progress = 1 }) end, "get_file: option 'progress' expected a boolean" },
      { function() utils.get_file("x", U, { cache_dir = "" }) end, "get_file: option 'cache_dir' expected a folder name" },
      { function() utils.get_file("x", U, { size = -1 }) end, "get_file: option 'size' expected a byte count" },
      { function() utils.get_file("x", U, { size = 1.5 }) end, "get_file: option 'size' expected a byte count" },
      { function() utils.get_file("x", U, { timeout = 0 }) end, "get_file: option 'timeout' expected whole seconds" },
    }
    for _, c in ipairs(cases) do
      it(c[2], function()
        local ok, err = pcall(c[1])
        assert.is_false(ok)
        assert.matches(c[2], err, 1, true)
        assert.matches("get_file_spec.lua:%d+: get_file:", err)  -- the caller's line
      end)
    end

    it("refuses a cache folder that is a file", function()
      local d = tmpdir()
      write(d .. "/f", "")
      local ok, err = pcall(utils.get_file, "x", U, { cache_dir = d .. "/f/sub" })
      assert.is_false(ok)
      assert.matches("get_file: cannot create the folder", err, 1, true)
      os.execute("rm -rf " .. sh(d))
    end)
  end)
end)

-- The loaders find data in the cache and download it there: run in a
-- separate process with an empty EMBER_DATA, a temp EMBER_HOME and cwd (no
-- ./datasets), EMBER_DATASETS_URL at the spec's server.
describe("the datasets' download fallback", function()
  local it_py = HAVE_PYTHON and it or pending
  local root, work, imdb_sha

  setup(function()
    if not HAVE_PYTHON then return end
    root, work = tmpdir(), tmpdir()
    -- The tiny aclImdb fixture, repackaged as aclImdb_v1.tar.gz is.
    local script = root .. "/pack.py"
    write(script, ([[
import io, tarfile, zipfile
z = zipfile.ZipFile(%q)
with tarfile.open(%q, "w:gz") as t:
    for n in z.namelist():
        d = z.read(n)
        i = tarfile.TarInfo(n)
        i.size = len(d)
        t.addfile(i, io.BytesIO(d))
with zipfile.ZipFile(%q, "w") as j:
    j.writestr("jena_climate_2009_2016.csv", '"Date Time","p (mbar)","T (degC)"\n01.01.2009 00:10:00,996.52,-8.02\n01.01.2009 00:20:00,996.57,-8.41\n')
]]):format(ROOT .. "/specs/fixtures/aclImdb_tiny.zip", root .. "/aclImdb_v1.tar.gz", root .. "/jena_climate_2009_2016.csv.zip"))
    assert(run("python3 " .. sh(script)) == 0)
    os.execute(("cp %s/specs/fixtures/glove.6B.zip %s/"):format(sh(ROOT), sh(root)))
    imdb_sha = net.sha256_file(root .. "/aclImdb_v1.tar.gz")
    write(root .. "/SHA256SUMS", imdb_sha .. "  aclImdb_v1.tar.gz\n")
    server.start(root)
  end)
  teardown(function()
    server.stop()
    remove_made()
  end)

  local function ember_in(home, env, code)
    local empty = home .. "/empty"
    os.execute("mkdir -p " .. sh(empty))
    return run(("cd %s && EMBER_DATA=%s EMBER_HOME=%s %s %s -e %s"):format(
      sh(work), sh(empty), sh(home), env, sh(EMBER), sh(code)))
  end

  it_py("IMDB: fetched once through the mirror, checked against the listed SHA-256, unpacked, then read from the cache", function()
    local home = tmpdir()
    local env = ("EMBER_DATASETS_URL=%s EMBER_DATASETS_SHA256=%s"):format(
      sh(("http://127.0.0.1:%d/normal/"):format(server.port)), sh(root .. "/SHA256SUMS"))
    local code = "local t, y = ember.datasets.imdb.load_raw{subset = 'train'}; print(#t, y:sum(), ember.datasets.imdb.find())"
    local status, out = ember_in(home, env, code)
    assert.equal(0, status, out)
    assert.matches("5\t2\t" .. home .. "/datasets/aclImdb", out, 1, true)
    assert.equal(1, tonumber(server.get("count", "aclImdb_v1.tar.gz")))
    status, out = ember_in(home, env, code)
    assert.equal(0, status, out)
    assert.equal(1, tonumber(server.get("count", "aclImdb_v1.tar.gz")))  -- the cache, not the server
  end)

  it_py("IMDB: a mirror's file that differs from the pinned one is refused without an explicit checksum", function()
    local home = tmpdir()
    local env = "EMBER_DATASETS_URL=" .. sh(("http://127.0.0.1:%d/normal"):format(server.port))
    local status, out = ember_in(home, env, "ember.datasets.imdb.load_raw()")
    assert.is_not.equal(0, status)
    assert.matches("imdb.load_raw: cannot find the IMDB reviews", out, 1, true)
    assert.matches("has SHA-256 " .. imdb_sha .. ", expected c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", out, 1, true)
    assert.is_false(exists(home .. "/datasets/aclImdb_v1.tar.gz"))
    assert.is_false(exists(home .. "/datasets/aclImdb"))
  end)

  it_py("IMDB offline: the loader names the places looked, the URL and where to put the file", function()
    local home = tmpdir()
    local base = ("http://127.0.0.1:%d/data"):format(closed_port())
    local status, out = ember_in(home, "EMBER_DATASETS_URL=" .. sh(base), "ember.datasets.imdb.load_data()")
    assert.is_not.equal(0, status)
    assert.matches("imdb.load_data: cannot find the IMDB reviews", out, 1, true)
    assert.matches(home .. "/empty/aclImdb", out, 1, true)
    assert.matches(home .. "/datasets/aclImdb", out, 1, true)
    assert.matches("cannot download " .. base .. "/aclImdb_v1.tar.gz", out, 1, true)
    assert.matches("save it as " .. home .. "/datasets/aclImdb_v1.tar.gz", out, 1, true)
  end)

  it_py("GloVe and Jena: fetched into the cache (no pin published: the zip must hold the member)", function()
    local home = tmpdir()
    local env = "EMBER_DATASETS_URL=" .. sh(("http://127.0.0.1:%d/normal"):format(server.port))
    local status, out = ember_in(home, env,
      "local g = ember.datasets.glove.load(); print(#g, g.dim, g.path); local h, d = ember.datasets.jena_climate.load(); print(#h, d:size(1), d:size(2))")
    assert.equal(0, status, out)
    assert.matches(home .. "/datasets/glove.6B.zip/glove.6B.100d.txt", out, 1, true)
    assert.matches("3\t2\t2", out, 1, true)
  end)

  it_py("a malformed EMBER_DATASETS_SHA256 file is an error, not a skipped check", function()
    local home = tmpdir()
    write(home .. "/sums", "not a checksum line\n")
    local env = ("EMBER_DATASETS_URL=%s EMBER_DATASETS_SHA256=%s"):format(
      sh(("http://127.0.0.1:%d/normal"):format(server.port)), sh(home .. "/sums"))
    local status, out = ember_in(home, env, "ember.datasets.imdb.load_raw()")
    assert.is_not.equal(0, status)
    assert.matches("EMBER_DATASETS_SHA256: line 1 of '" .. home .. "/sums' is not", out, 1, true)
  end)

  it_py("make demo offline and without data: prints the URL and where to put the file, and fails", function()
    -- A copy of the repository's top level without datasets/ (symlinks: the
    -- built ./ember is reused, nothing is rebuilt).
    local home, repo = tmpdir(), tmpdir()
    for _, e in ipairs { "Makefile", "ember", "bindings", "engine", "scripts", "vendor", "build", "specs" } do
      os.execute(("ln -s %s/%s %s/%s"):format(sh(ROOT), e, sh(repo), e))
    end
    local base = ("http://127.0.0.1:%d/data"):format(closed_port())
    local empty = home .. "/empty"
    os.execute("mkdir -p " .. sh(empty))
    local status, out = run(("cd %s && EMBER_DATA=%s EMBER_HOME=%s EMBER_DATASETS_URL=%s make -s demo EMBER_SHARED=/nonexistent")
      :format(sh(repo), sh(empty), sh(home), sh(base)))
    assert.is_not.equal(0, status, out)
    assert.matches("demo: no local data folder", out, 1, true)
    assert.matches("cannot download " .. base .. "/aclImdb_v1.tar.gz", out, 1, true)
    assert.matches("save it as " .. home .. "/datasets/aclImdb_v1.tar.gz", out, 1, true)
    assert.is_false(exists(repo .. "/out/demo/6-7_acc.png"))
    os.execute("rm -rf " .. sh(repo) .. " " .. sh(home))
  end)
end)
