# ruby tests/lib/brew.rb FORMULA TARBALL PREFIX: run a Homebrew formula's
# install and test blocks on Linux without brew, as far as that goes: a
# small stand-in for Homebrew's Formula DSL loads FORMULA, checks that its
# sha256 is TARBALL's and that its url ends with TARBALL's name, unpacks
# TARBALL as brew does (into a temporary directory, entering its one top
# directory), runs install with prefix PREFIX, then the test block.  It
# prints each file installed under PREFIX.  Not checked: brew's own
# environment (superenv, its compiler shims), dependency resolution, the
# bottle and audit steps.
require "digest"
require "fileutils"
require "open3"
require "pathname"
require "tmpdir"

class BrewStubError < StandardError; end

# The formula's dependencies, by name: only opt_lib is used.
class StubDependency
  def initialize(name)
    @name = name
  end

  def opt_lib
    Pathname("/nonexistent/homebrew/opt/#{@name}/lib")
  end
end

class Formula
  class << self
    attr_reader :stub_desc, :stub_url, :stub_sha256, :stub_deps,
                :stub_test, :stub_homepage, :stub_license

    def inherited(sub)
      super
      $brew_stub_formula = sub
    end

    def desc(text) = @stub_desc = text
    def homepage(url) = @stub_homepage = url
    def url(url) = @stub_url = url
    def sha256(hex) = @stub_sha256 = hex
    def license(name) = @stub_license = name

    def depends_on(dep)
      (@stub_deps ||= []) << dep
    end

    def uses_from_macos(dep)
      (@stub_deps ||= []) << dep
    end

    def test(&block) = @stub_test = block
    def [](name) = StubDependency.new(name)
  end

  def initialize(prefix)
    @prefix = Pathname(prefix)
  end

  attr_reader :prefix

  def bin = prefix/"bin"
  def man1 = prefix/"share/man/man1"
  def bash_completion = prefix/"etc/bash_completion.d"
  def zsh_completion = prefix/"share/zsh/site-functions"
  def fish_completion = prefix/"share/fish/vendor_completions.d"

  def version
    self.class.stub_url[/-(\d+(?:\.\d+)+)\.tar\.gz\z/, 1] or
      raise BrewStubError, "no version in the url"
  end

  def system(*args)
    Kernel.system(*args) or
      raise BrewStubError, "failed: #{args.join(" ")}"
  end

  # As Homebrew's: the output of CMD run by sh, which must exit with STATUS.
  def shell_output(cmd, status = 0)
    out, st = Open3.capture2(cmd)
    st.exitstatus == status or
      raise BrewStubError, "#{cmd}: exit #{st.exitstatus}, not #{status}"
    out
  end

  def assert_match(pattern, text)
    pattern = Regexp.new(Regexp.escape(pattern)) if pattern.is_a?(String)
    pattern.match?(text) or
      raise BrewStubError, "#{pattern.inspect} does not match #{text.inspect}"
  end
end

# Homebrew's ENV.prepend_path.
def ENV.prepend_path(key, path)
  self[key] = [path.to_s, self[key]].compact.reject(&:empty?).join(":")
end

formula_file, tarball, prefix = ARGV
abort "usage: ruby brew.rb FORMULA TARBALL PREFIX" unless prefix
begin
  load File.expand_path(formula_file)
  klass = $brew_stub_formula or raise BrewStubError, "no Formula subclass"
  want = Digest::SHA256.file(tarball).hexdigest
  klass.stub_sha256 == want or
    raise BrewStubError, "sha256 #{klass.stub_sha256}, the tarball's is #{want}"
  File.basename(klass.stub_url) == File.basename(tarball) or
    raise BrewStubError, "url #{klass.stub_url} is not for #{tarball}"
  %w[stub_desc stub_homepage stub_license].each do |m|
    klass.public_send(m) or raise BrewStubError, "no #{m.delete_prefix("stub_")}"
  end
  formula = klass.new(File.expand_path(prefix))
  Dir.mktmpdir do |dir|
    formula.system("tar", "-xzf", tarball, "-C", dir)
    tops = Dir.children(dir)
    tops.size == 1 or raise BrewStubError, "not one top directory: #{tops}"
    Dir.chdir(File.join(dir, tops[0])) { formula.install }
  end
  klass.stub_test or raise BrewStubError, "no test block"
  formula.instance_eval(&klass.stub_test)
  Dir.glob("#{prefix}/**/*").select { |f| File.file?(f) }.sort.each do |f|
    puts f.delete_prefix("#{prefix}/")
  end
rescue BrewStubError => e
  warn "brew.rb: #{e.message}"
  exit 1
end
