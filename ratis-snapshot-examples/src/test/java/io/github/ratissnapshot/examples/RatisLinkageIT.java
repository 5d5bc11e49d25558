package io.github.ratissnapshot.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every reference this build's classes make into Ratis (classes, methods with their exact descriptors,
 * fields) resolves in the other Ratis's jars: the library compiled here links on that Ratis on every path,
 * not only on the paths {@link CrossVersionIT} runs. A method whose signature changed between Ratis lines
 * compiles from the same source but fails with {@code NoSuchMethodError} at run time; this finds it.
 */
@Tag("compat")
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RatisLinkageIT {
  /** One symbolic reference from a class file's constant pool. */
  private record Ref(String owner, String name, String descriptor, char kind) {
    @Override
    public String toString() {
      return owner.replace('/', '.') + (kind == 'C' ? "" : "." + name + (kind == 'F' ? ":" : "") + descriptor);
    }
  }

  @Test
  void everyRatisReferenceOfTheLibraryAndTheExamplesResolvesOnTheOtherRatis() throws Exception {
    Path dir = Path.of(System.getProperty("ratis.cross.dir"));
    String other = System.getProperty("ratis.cross.version");
    List<Path> withoutRatis = Stream.of(Files.readString(dir.resolve("class-path-without-ratis.txt")).strip()
        .split(File.pathSeparator)).map(Path::of).toList();
    Path archiveJar = withoutRatis.stream()
        .filter(p -> p.getFileName().toString().startsWith("ratis-snapshot-archive-")).findFirst().orElseThrow();
    Set<Ref> refs = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
    try (JarFile jar = new JarFile(archiveJar.toFile())) {
      for (JarEntry e : jar.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
        try (InputStream in = jar.getInputStream(e)) {
          refs.addAll(ratisRefs(in.readAllBytes()));
        }
      }
    }
    try (Stream<Path> classes = Files.walk(Path.of(System.getProperty("ratis.cross.classes")))) {
      for (Path p : classes.filter(p -> p.toString().endsWith(".class")).toList()) {
        refs.addAll(ratisRefs(Files.readAllBytes(p)));
      }
    }
    assertThat(refs).as("references into Ratis").hasSizeGreaterThan(200);

    // The other Ratis and what it needs (SLF4J), without this JVM's Ratis: the parent is the platform loader.
    List<URL> urls = new ArrayList<>();
    for (Path p : withoutRatis) {
      urls.add(p.toUri().toURL());
    }
    try (Stream<Path> jars = Files.list(dir.resolve("ratis-" + other))) {
      for (Path p : jars.toList()) {
        urls.add(p.toUri().toURL());
      }
    }
    List<String> unresolved = new ArrayList<>();
    try (URLClassLoader ratis = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      for (Ref r : refs) {
        if (!resolves(r, ratis)) {
          unresolved.add(r.toString());
        }
      }
    }
    assertThat(unresolved).as("references that do not resolve on Ratis %s", other).isEmpty();
  }

  /** Reads a class file's constant pool and returns its references to {@code org/apache/ratis/**}. */
  private static List<Ref> ratisRefs(byte[] classFile) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort();
    in.readUnsignedShort();
    int count = in.readUnsignedShort();
    Object[] pool = new Object[count];
    int[][] links = new int[count][];
    byte[] tags = new byte[count];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      tags[i] = (byte) tag;
      switch (tag) {
        case 1 -> pool[i] = in.readUTF();
        case 3, 4 -> in.readInt();
        case 5, 6 -> {
          in.readLong();
          i++;
        }
        case 7, 8, 16, 19, 20 -> links[i] = new int[] {in.readUnsignedShort()};
        case 9, 10, 11, 12, 17, 18 -> links[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
        case 15 -> {
          in.readUnsignedByte();
          links[i] = new int[] {in.readUnsignedShort()};
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    List<Ref> refs = new ArrayList<>();
    for (int i = 1; i < count; i++) {
      switch (tags[i]) {
        case 7 -> {
          String name = (String) pool[links[i][0]];
          if (name.startsWith("org/apache/ratis/")) {
            refs.add(new Ref(name, "", "", 'C'));
          }
        }
        case 9, 10, 11 -> {
          String owner = (String) pool[links[links[i][0]][0]];
          int[] nameAndType = links[links[i][1]];
          if (owner.startsWith("org/apache/ratis/")) {
            refs.add(new Ref(owner, (String) pool[nameAndType[0]], (String) pool[nameAndType[1]],
                tags[i] == 9 ? 'F' : 'M'));
          }
        }
        default -> { }
      }
    }
    return refs;
  }

  /** Whether {@code r} resolves as the JVM resolves it: in the class, its superclasses or its interfaces. */
  private static boolean resolves(Ref r, ClassLoader ratis) {
    Class<?> owner;
    try {
      owner = Class.forName(r.owner().replace('/', '.'), false, ratis);
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
    if (r.kind() == 'C') {
      return true;
    }
    Deque<Class<?>> todo = new ArrayDeque<>(List.of(owner));
    if (owner.isInterface()) {
      todo.add(Object.class);
    }
    while (!todo.isEmpty()) {
      Class<?> c = todo.pop();
      try {
        if (r.kind() == 'F') {
          for (Field f : c.getDeclaredFields()) {
            if (f.getName().equals(r.name()) && f.getType().descriptorString().equals(r.descriptor())) {
              return true;
            }
          }
        } else if (r.name().equals("<init>")) {
          for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (MethodType.methodType(void.class, k.getParameterTypes()).descriptorString().equals(r.descriptor())) {
              return true;
            }
          }
          return false;
        } else {
          for (Method m : c.getDeclaredMethods()) {
            if (m.getName().equals(r.name())
                && MethodType.methodType(m.getReturnType(), m.getParameterTypes()).descriptorString()
                    .equals(r.descriptor())) {
              return true;
            }
          }
        }
      } catch (LinkageError e) {
        return false;
      }
      if (c.getSuperclass() != null) {
        todo.push(c.getSuperclass());
      }
      todo.addAll(List.of(c.getInterfaces()));
    }
    return false;
  }
}
